import type { RequestMeta } from "../request-meta.ts";
import type { AccountDeps } from "./account-deps.ts";
import { requestPasswordReset, resetPassword } from "./password-reset.ts";
import { signin, type SigninInput, type SigninResult } from "./signin.ts";
import { signup, type SignupInput } from "./signup.ts";
import { resendEmailVerificationOtp, verifyEmail } from "./verify-email.ts";

/** Accounts: sign-up and its code, sign-in, password reset. */
export interface AccountService {
  signup(input: SignupInput, meta: RequestMeta): Promise<void>;
  verifyEmail(input: { email: string; otp: string }, meta: RequestMeta): Promise<void>;
  resendEmailVerificationOtp(email: string, meta: RequestMeta): Promise<void>;
  signin(input: SigninInput, meta: RequestMeta): Promise<SigninResult>;
  requestPasswordReset(email: string, meta: RequestMeta): Promise<void>;
  resetPassword(input: { token: string; new_password: string }, meta: RequestMeta): Promise<void>;
}

/** Builds the account service of one instance. */
export function createAccountService(deps: AccountDeps): AccountService {
  return {
    signup: (input, meta) => signup(deps, input, meta),
    verifyEmail: (input, meta) => verifyEmail(deps, input, meta),
    resendEmailVerificationOtp: (email, meta) => resendEmailVerificationOtp(deps, email, meta),
    signin: (input, meta) => signin(deps, input, meta),
    requestPasswordReset: (email, meta) => requestPasswordReset(deps, email, meta),
    resetPassword: (input, meta) => resetPassword(deps, input, meta),
  };
}
