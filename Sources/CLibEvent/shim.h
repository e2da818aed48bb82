// libevent 2.1 (Debian libevent-dev): the event loop, evhttp and pthread support.
// HTTPServer (evhttp's server half) and HTTPClient (its client half) import this module.
#pragma once
// libevent's event-config.h defines _GNU_SOURCE. Were it the first to reach glibc's
// <features.h>, fd_set's field would be spelled `fds_bits` here and `__fds_bits` in
// Dispatch's module, and Clang refuses the two definitions ("not present in
// definition of 'fd_set'"). Including the system headers first keeps them identical.
#include <sys/types.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>

// Header lists are TAILQs: walking them is macro work in C, so it gets named functions here.
static inline struct evkeyval *shim_evkeyvalq_first(struct evkeyvalq *headers) {
    return headers->tqh_first;
}

static inline struct evkeyval *shim_evkeyval_next(struct evkeyval *header) {
    return header->next.tqe_next;
}

// Every method evhttp can parse, so that none is refused with libevent's own 501 page
// and the router can answer 405 with JSON instead.
static inline ev_uint16_t shim_evhttp_all_methods(void) {
    return EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
        EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
        EVHTTP_REQ_PATCH;
}

// Turns Nagle's algorithm off on a connection's socket (see Exchange.sendsWithoutDelay).
static inline void shim_evhttp_connection_set_nodelay(struct evhttp_connection *connection) {
    struct bufferevent *events = evhttp_connection_get_bufferevent(connection);
    if (!events) return;
    evutil_socket_t fd = bufferevent_getfd(events);
    int on = 1;
    if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

// Names the calling thread for `top -H`, perf and /proc (15 characters at most). glibc
// declares pthread_setname_np only under _GNU_SOURCE, which this header must not define.
#include <pthread.h>
extern int pthread_setname_np(pthread_t thread, const char *name);
static inline void shim_name_current_thread(const char *name) {
    pthread_setname_np(pthread_self(), name);
}
