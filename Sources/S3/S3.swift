// S3: implementation lands with its issue.
