// LiveKit: implementation lands with its issue.
