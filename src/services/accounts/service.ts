import type { RequestMeta } from "../request-meta.ts";
import type { AccountDeps } from "./account-deps.ts";
import { createAfterAnswer } from "./after-answer.ts";
import { requestPasswordReset, resetPassword } from "./password-reset.ts";
import { signin, type SigninInput, type SigninResult } from "./signin.ts";
import { signup, type SignupInput } from "./signup.ts";
import { resendEmailVerificationOtp, verifyEmail } from "./verify-email.ts";

/** Accounts: sign-up and its code, sign-in, password reset. */
export interface AccountService {
  signup(input: SignupInput, meta: RequestMeta): Promise<void>;
  verifyEmail(input: { email: string; otp: string }, meta: RequestMeta): Promise<void>;
  /** Resolves once the request is queued: what it does for the address happens after the answer */
  resendEmailVerificationOtp(email: string, meta: RequestMeta): Promise<void>;
  signin(input: SigninInput, meta: RequestMeta): Promise<SigninResult>;
  /** Resolves once the request is queued: what it does for the address happens after the answer */
  requestPasswordReset(email: string, meta: RequestMeta): Promise<void>;
  resetPassword(input: { token: string; new_password: string }, meta: RequestMeta): Promise<void>;
  /** Resolves once the work of every request answered so far is done (shutdown; tests before reading mail) */
  settled(): Promise<void>;
}

/**
 * Builds the account service of one instance. Resend and request-password-reset answer the
 * same 202 whatever the address, so they answer before doing anything: their work (the
 * same statements for every address) runs after the answer, at the time of the request.
 */
export function createAccountService(deps: AccountDeps): AccountService {
  const afterAnswer = createAfterAnswer({ logger: deps.logger });
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
    settled: () => afterAnswer.settled(),
  };
}
