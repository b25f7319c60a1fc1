/** An API failure with the contract's error code; status 0 / code NETWORK_ERROR when the server was unreachable. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** True when retrying later may succeed (offline, server down, rate limited, 5xx). */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }

  toJSON(): SerializedApiError {
    return { status: this.status, code: this.code, message: this.message, details: this.details };
  }

  static from(value: SerializedApiError): ApiError {
    return new ApiError(value.status, value.code, value.message, value.details);
  }
}

export interface SerializedApiError { status: number; code: string; message: string; details?: unknown }
