/*
 * Calibration for bench/http.sh: the fastest an evhttp server can answer /health on this
 * machine. It answers inline in libevent's callback with the same headers and body as
 * recording-api (Content-Type, X-Request-Id, Content-Length; evhttp adds Date), on the same
 * libevent settings (one event base per thread, SO_REUSEPORT listeners, epoll changelist).
 * No routing, no request object, no logging: the gap between this and recording-api is the
 * cost of our own per-request code; the gap between this and nginx is libevent's.
 *
 *   cc -O2 -o evhttp-floor bench/evhttp-floor.c $(pkg-config --cflags --libs libevent libevent_pthreads)
 *   ./evhttp-floor PORT THREADS
 */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static const char body[] = "{\"status\":\"ok\"}";

static void answer(struct evhttp_request *request, void *unused) {
    (void)unused;
    struct evkeyvalq *headers = evhttp_request_get_output_headers(request);
    evhttp_add_header(headers, "Content-Type", "application/json");
    evhttp_add_header(headers, "X-Request-Id", "e6dabe3c2d6e363679607912e94f87fd");
    evhttp_add_header(headers, "Content-Length", "15");
    evbuffer_add(evhttp_request_get_output_buffer(request), body, sizeof body - 1);
    evhttp_send_reply(request, 200, "OK", NULL);
}

static void *serve(void *address) {
    struct event_config *config = event_config_new();
    event_config_set_flag(config, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    struct event_base *base = event_base_new_with_config(config);
    struct evhttp *http = evhttp_new(base);
    evhttp_set_gencb(http, answer, NULL);
    unsigned flags = LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_FREE;
    struct evconnlistener *listener =
        evconnlistener_new_bind(base, NULL, NULL, flags, 1024, address, sizeof(struct sockaddr_in));
    if (!listener || !evhttp_bind_listener(http, listener)) {
        perror("evhttp-floor: listen");
        exit(1);
    }
    event_base_dispatch(base);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT THREADS\n", argv[0]);
        return 2;
    }
    evthread_use_pthreads();
    static struct sockaddr_in address;
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)atoi(argv[1]));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int count = atoi(argv[2]);
    pthread_t threads[64];
    for (int i = 0; i < count && i < 64; i++) pthread_create(&threads[i], NULL, serve, &address);
    pthread_join(threads[0], NULL);
    return 0;
}
