// Crypto: implementation lands with its issue.
