// libevent 2.1 (Debian libevent-dev): the event loop, evhttp and pthread support.
// Only HTTPServer imports this module.
#pragma once
#include <event2/event.h>
#include <event2/thread.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>
