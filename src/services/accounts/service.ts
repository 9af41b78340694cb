import type { AuthContext, RequestMeta, TokenPair } from "../identity.ts";
import type { CurrentUser } from "../current-user.ts";
import type { AccountDeps } from "./account-deps.ts";
import { createAfterAnswer } from "./after-answer.ts";
import { changePassword, type ChangePasswordInput } from "./settings/change-password.ts";
import { checkEmailChangeRequest, confirmEmailChange, issueEmailChange } from "./settings/change-email.ts";
import { revertEmailChange } from "./settings/revert-email-change.ts";
import { reportNotMe } from "./settings/report-not-me.ts";
import {
  cancelDeletion,
  deleteOwnAccount,
  type DeletionOptions,
  type ScheduledDeletion,
  scheduleDeletion,
} from "./settings/deletion.ts";
import { requestPasswordReset, resetPassword } from "./credentials/password-reset.ts";
import { updateProfile } from "./settings/profile.ts";
import { signin, type SigninAnswer, type SigninInput } from "./credentials/signin.ts";
import { signup, type SignupInput } from "./signup/signup.ts";
import { resendEmailVerificationOtp, verifyEmail } from "./signup/verify-email.ts";

/** Accounts: sign-up and its code, sign-in, password reset, and the owner's own settings. */
export interface AccountService {
  signup(input: SignupInput, meta: RequestMeta): Promise<void>;
  verifyEmail(input: { email: string; otp: string }, meta: RequestMeta): Promise<void>;
  /** Resolves once the request is queued: what it does for the address happens after the answer */
  resendEmailVerificationOtp(email: string, meta: RequestMeta): Promise<void>;
  signin(input: SigninInput, meta: RequestMeta): Promise<SigninAnswer>;
  /** Resolves once the request is queued: what it does for the address happens after the answer */
  requestPasswordReset(email: string, meta: RequestMeta): Promise<void>;
  resetPassword(input: { token: string; new_password: string }, meta: RequestMeta): Promise<void>;
  updateProfile(auth: AuthContext, input: { name: string }, meta: RequestMeta): Promise<CurrentUser>;
  /** A new pair for this session; every other session and token of the user is revoked everywhere */
  changePassword(auth: AuthContext, input: ChangePasswordInput, meta: RequestMeta): Promise<TokenPair>;
  /**
   * Checks the proof, then resolves once the rest is queued: whether the new address is
   * taken decides what is mailed after the answer, never what the caller sees
   */
  requestEmailChange(
    auth: AuthContext,
    input: { current_password?: string; new_email: string; mfa_code?: string },
    meta: RequestMeta,
  ): Promise<void>;
  confirmEmailChange(auth: AuthContext, otp: string, meta: RequestMeta): Promise<CurrentUser>;
  revertEmailChange(token: string, meta: RequestMeta): Promise<void>;
  /** "This wasn't me" from an activity mail: every session ended everywhere, recent factors removed, a reset mailed */
  reportNotMe(token: string, meta: RequestMeta): Promise<void>;
  deleteAccount(
    auth: AuthContext,
    proof: { current_password?: string; mfa_code?: string },
    meta: RequestMeta,
  ): Promise<ScheduledDeletion>;
  /** Deletes an account as POST /auth/delete-account does, without the password (the admin API) */
  scheduleDeletion(userId: string, options: DeletionOptions): Promise<ScheduledDeletion>;
  cancelDeletion(token: string, meta: RequestMeta): Promise<void>;
  /** Resolves once the work of every request answered so far is done (shutdown; tests before reading mail) */
  settled(): Promise<void>;
}

/**
 * Builds the account service of one instance. Resend, request-password-reset and change-email
 * answer the same 202 whatever the address, so they answer before doing what depends on it:
 * that work (the same statements for every address) runs after the answer, at the time of the
 * request.
 */
export function createAccountService(deps: AccountDeps): AccountService {
  const afterAnswer = createAfterAnswer({ logger: deps.logger, observer: deps.observer });
  return {
    signup: (input, meta) => signup(deps, input, meta),
    verifyEmail: (input, meta) => verifyEmail(deps, input, meta),
    resendEmailVerificationOtp(email, meta) {
      const now = deps.clock.now();
      return afterAnswer.defer(
        "resend-email-verification-otp",
        () => resendEmailVerificationOtp(deps, email, meta, now),
      );
    },
    signin: (input, meta) => signin(deps, input, meta),
    requestPasswordReset(email, meta) {
      const now = deps.clock.now();
      return afterAnswer.defer("request-password-reset", () => requestPasswordReset(deps, email, meta, now));
    },
    resetPassword: (input, meta) => resetPassword(deps, input, meta),
    updateProfile: (auth, input, meta) => updateProfile(deps, auth.userId, input, meta),
    changePassword: (auth, input, meta) => changePassword(deps, auth, input, meta),
    async requestEmailChange(auth, input, meta) {
      const userId = await checkEmailChangeRequest(deps, auth, input, meta);
      const now = deps.clock.now();
      await afterAnswer.defer("change-email", () => issueEmailChange(deps, userId, input.new_email, meta, now));
    },
    confirmEmailChange: (auth, otp, meta) => confirmEmailChange(deps, auth, otp, meta),
    revertEmailChange: (token, meta) => revertEmailChange(deps, token, meta),
    reportNotMe: (token, meta) => reportNotMe(deps, token, meta),
    deleteAccount: (auth, proof, meta) => deleteOwnAccount(deps, auth, proof, meta),
    scheduleDeletion: (userId, options) => scheduleDeletion(deps, userId, options),
    cancelDeletion: (token, meta) => cancelDeletion(deps, token, meta),
    settled: () => afterAnswer.settled(),
  };
}
