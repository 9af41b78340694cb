import type { PasskeyRow } from "../../repositories/passkeys.ts";

/** A passkey as its owner sees it: never the public key nor the counter. */
export interface PasskeyView {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  /** Synced to a cloud keychain (`multi_device` and backed up) or bound to one authenticator */
  backup_state: "synced" | "device_bound";
  backup_eligible: boolean;
  aaguid: string;
  transports: string[];
}

export function isSynced(row: Pick<PasskeyRow, "device_type" | "backed_up">): boolean {
  return row.backed_up;
}

export function passkeyView(row: PasskeyRow): PasskeyView {
  return {
    id: row.id,
    name: row.name,
    created_at: new Date(row.created_at).toISOString(),
    last_used_at: row.last_used_at ? new Date(row.last_used_at).toISOString() : null,
    backup_state: isSynced(row) ? "synced" : "device_bound",
    backup_eligible: row.device_type === "multiDevice",
    aaguid: row.aaguid,
    transports: row.transports.split(" ").filter(Boolean),
  };
}
