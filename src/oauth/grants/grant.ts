import type { IncomingMessage } from 'node:http';
import type { FormParams } from '../../http/read-form-body.js';
import type { ClientRecord } from '../../store/records.js';

export interface GrantRequest {
  req: IncomingMessage;
  params: FormParams;
  /** The authenticated client, when the request carried client credentials. */
  client: ClientRecord | undefined;
}

/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in?: number;
  refresh_token?: string;
  scope: string;
  /** OIDC Core §3.1.3.3: when the scope holds `openid`. */
  id_token?: string;
}

/** One grant type of the token endpoint; the registry of these is what discovery advertises. */
export interface Grant {
  type: string;
  /** True when the grant cannot be used without client authentication. */
  requiresClient: boolean;
  issue(request: GrantRequest): Promise<TokenResponse>;
}
