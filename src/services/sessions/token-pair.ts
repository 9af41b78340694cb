/** OAuth-style token pair, the shape of TokenPairSchema. */
export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
}
