// HTTPServer: implementation lands with its issue.
