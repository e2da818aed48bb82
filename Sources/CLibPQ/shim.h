// libpq (Debian libpq-dev), PostgreSQL's client library. Only RecordingStore imports this module.
#pragma once
#include <libpq-fe.h>
