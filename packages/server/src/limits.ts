// Server limits and their defaults (one object; `sae serve` flags and createApp options override fields).

export interface ServerLimits {
  /** Largest max_new_tokens a steering request may ask for. */
  maxNewTokens: number;
  /** Requests allowed to wait behind the running one before new ones get 429. */
  maxQueue: number;
  /** Request bodies past this many bytes get 413. */
  maxBodyBytes: number;
  maxPromptChars: number;
  /** Features per steering request. */
  maxFeatures: number;
  /** |strength| limit per steered feature. */
  maxStrength: number;
  /** Largest `top` for /v1/encode. */
  maxTop: number;
  maxTemperature: number;
}

export const SERVER_LIMITS: ServerLimits = {
  maxNewTokens: 64,
  maxQueue: 8,
  maxBodyBytes: 16 * 1024,
  maxPromptChars: 2000,
  maxFeatures: 16,
  maxStrength: 1000,
  maxTop: 50,
  maxTemperature: 5,
};

/** Request defaults for optional fields. */
export const REQUEST_DEFAULTS = {
  max_new_tokens: 24,
  temperature: 0.8,
  seed: 0,
  top: 5,
} as const;
