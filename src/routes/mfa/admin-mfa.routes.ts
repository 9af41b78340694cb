import { defineRoute } from "../../http/define-route.ts";
import { UserIdParamsSchema } from "../admin/admin.schemas.ts";

export const removeUserMfa = defineRoute({
  method: "delete",
  path: "/admin/users/{id}/mfa",
  operationId: "adminRemoveUserMfa",
  tags: ["Admin"],
  summary: "Turn a user's second factor off",
  description: "For an owner who lost both the authenticator and the recovery codes, once support has proven who " +
    "they are another way. Removes the authenticator and every recovery code; the next sign-in needs the password " +
    "alone. Records `mfa_disabled` with the key's name as `actor` and mails the owner. 204 also when no factor was " +
    "on.",
  tier: "admin",
  adminScope: "users:write",
  errors: ["not_found"],
  request: { params: UserIdParamsSchema },
  responses: { 204: { description: "No second factor is on" } },
});
