#!/usr/bin/env python3
"""Turns bench/run.sh's raw results (JSON lines) into bench/results/latest.md."""
import argparse
import datetime
import json
import os
import platform


def machine():
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    total_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal:"))
    return f"{os.cpu_count()} CPUs (nproc), {model}, {total_kb / 1024 / 1024:.1f} GiB RAM, {platform.system()} {platform.release()}"


def ms(us):
    return f"{us / 1000:.2f}"


def cpu(run):
    """Server CPU (user + system) per request, µs: the figure a busy shared machine disturbs least."""
    return f"{run['cpu_seconds'] * 1e6 / run['requests']:.0f}" if run.get("cpu_seconds") and run["requests"] else "–"


def errors(run):
    return run["non2xx"] + run["connect_errors"] + run["read_errors"] + run["write_errors"] + run["timeouts"]


class Results:
    def __init__(self, path):
        self.lines = [json.loads(line) for line in open(path) if line.strip()]

    def of(self, kind, **match):
        return [r for r in self.lines if r["kind"] == kind and all(r.get(k) == v for k, v in match.items())]

    def one(self, kind, **match):
        found = self.of(kind, **match)
        return found[0] if found else None


def median_run(runs):
    """The run with the median req/s (the lower middle one of an even count)."""
    ordered = sorted(runs, key=lambda run: run["rps"])
    return ordered[(len(ordered) - 1) // 2]


def verdict(holds):
    return "**holds**" if holds else "**MISSED**"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--commit", required=True)
    parser.add_argument("--duration", required=True)
    parser.add_argument("--cycles", required=True)
    parser.add_argument("--elapsed", type=int, required=True)
    parser.add_argument("--load", default="?", help="load average when the run began")
    options = parser.parse_args()
    results = Results(options.results)
    backends = [b for b in ("sqlite", "postgres") if results.of("wrk", backend=b)]
    sizes = sorted({r["size"] for r in results.of("wrk") if r["backend"] in backends})
    smallest, largest = (sizes[0], sizes[-1]) if sizes else (0, 0)
    out = []
    w = out.append

    w("# recording-api benchmark (`make bench`)\n")
    w(f"- machine: {machine()}")
    w(f"- commit: {options.commit}; date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
      f"load average at start: {options.load}")
    w(f"- wrk -t2 -d{options.duration} --latency, operator key header; recording-api release build, JSON access log "
      "to /dev/null; LiveKit emulator with --start-delay 0 --end-delay 0; PostgreSQL 15 (fsync off), SQLite file")
    w(f"- `make bench` took {options.elapsed // 60} min {options.elapsed % 60} s (build included)")
    w("- the machine is shared: absolute figures are noisy; the nginx ratio from the same run is the comparable one\n")

    targets = []
    # /health against nginx
    health_rows = []
    for connections in (32, 256):
        ours_runs = results.of("wrk", backend=backends[0] if backends else "", endpoint="health", connections=connections)
        nginx_runs = results.of("wrk", backend="nginx", endpoint="health", connections=connections)
        floor_runs = results.of("wrk", backend="evhttp-floor", endpoint="health", connections=connections)
        if ours_runs and nginx_runs:
            ours, nginx = median_run(ours_runs), median_run(nginx_runs)
            floor = median_run(floor_runs) if floor_runs else None
            ratio = ours["rps"] / nginx["rps"]
            health_rows.append((connections, ours, nginx, floor, ratio))
            if connections == 32:
                rounds = ", ".join(f"{a['rps'] / b['rps']:.2f}" for a, b in zip(ours_runs, nginx_runs))
                targets.append(("/health ≥ 0.6× nginx req/s (32 conn.)",
                                f"{ratio:.2f}× (medians of {len(ours_runs)} alternating rounds: {ours['rps']:.0f} vs "
                                f"{nginx['rps']:.0f}; single rounds {rounds})", ratio >= 0.6))
                if floor:
                    targets.append(("/health of plain evhttp (bench/evhttp-floor.c) vs nginx, 32 conn.: "
                                    "the ceiling of any evhttp server on this machine (for information)",
                                    f"{floor['rps'] / nginx['rps']:.2f}× (recording-api {ours['rps'] / floor['rps']:.2f}× of it)",
                                    None))
            else:
                targets.append(("/health vs nginx at 256 conn. (for information)", f"{ratio:.2f}×", None))
    for backend in backends:
        for endpoint in ("status", "list"):
            run = results.one("wrk", backend=backend, endpoint=endpoint, size=largest, connections=32)
            if run:
                targets.append((f"{endpoint} p99 < 5 ms, 32 conn., {largest:,} recordings, {backend}",
                                f"{ms(run['p99_us'])} ms", run["p99_us"] < 5000))
        for endpoint in ("list", "list-deep"):
            first = results.one("wrk", backend=backend, endpoint=endpoint, size=smallest, connections=32)
            last = results.one("wrk", backend=backend, endpoint=endpoint, size=largest, connections=32)
            if first and last and largest > smallest:
                growth = last["p50_us"] / first["p50_us"]
                targets.append((f"{endpoint} flat with history ({smallest:,} → {largest:,}), {backend}",
                                f"p50 ×{growth:.2f} ({ms(first['p50_us'])} → {ms(last['p50_us'])} ms)", growth <= 1.5))
        cycles = results.one("cycles", label=backend)
        if cycles:
            for call in ("start", "stop"):
                added = cycles[f"added_{call}"]["p50_ms"]
                targets.append((f"added latency on {call}, p50 < 2 ms, {backend}", f"{added:.2f} ms", added < 2))
        idle = results.one("rss", backend=backend, when="idle")
        load = [r["kb"] for r in results.of("rss", backend=backend, when="load")]
        if idle:
            targets.append((f"RSS idle < 40 MB, {backend}", f"{idle['kb'] / 1024:.1f} MB", idle["kb"] < 40 * 1024))
        if load:
            targets.append((f"RSS under 256-conn. load < 100 MB, {backend}", f"{max(load) / 1024:.1f} MB", max(load) < 100 * 1024))
        startup = results.one("startup", label=backend)
        if startup:
            targets.append((f"start-up to first /health 200 < 300 ms, {backend}", f"{startup['median_ms']:.0f} ms", startup["median_ms"] < 300))

    w("## Targets\n")
    w("| target | measured | |")
    w("|---|---|---|")
    for name, measured, holds in targets:
        w(f"| {name} | {measured} | {'' if holds is None else verdict(holds)} |")
    w("\n“Flat” means the p50 at the largest history is at most 1.5× the p50 at the smallest. "
      "`list-deep` is a page half way down the history (the cursor of row n/2), where OFFSET paging would scan n/2 rows.\n")

    w(f"## Throughput and latency ({smallest:,} recordings in the database)\n")
    w("| endpoint | server | conn. | req/s | p50 ms | p99 ms | errors | server CPU µs/req |")
    w("|---|---|---|---|---|---|---|---|")
    for connections, ours, nginx, floor, ratio in health_rows:
        w(f"| GET /health | recording-api ({ours['backend']}) | {connections} | {ours['rps']:.0f} | {ms(ours['p50_us'])} | {ms(ours['p99_us'])} | {errors(ours)} | {cpu(ours)} |")
        w(f"| GET /health | nginx (ratio {ratio:.2f}) | {connections} | {nginx['rps']:.0f} | {ms(nginx['p50_us'])} | {ms(nginx['p99_us'])} | {errors(nginx)} | {cpu(nginx)} |")
        if floor:
            w(f"| GET /health | evhttp floor (ratio {floor['rps'] / nginx['rps']:.2f}) | {connections} | {floor['rps']:.0f} | {ms(floor['p50_us'])} | {ms(floor['p99_us'])} | {errors(floor)} | {cpu(floor)} |")
    for endpoint, path in (("status", "GET /api/recording/status/{id}"), ("list", "GET /api/recording/list?limit=50")):
        for backend in backends:
            for connections in (32, 256):
                run = results.one("wrk", backend=backend, endpoint=endpoint, size=smallest, connections=connections)
                if run:
                    w(f"| {path} | recording-api ({backend}) | {connections} | {run['rps']:.0f} | {ms(run['p50_us'])} | {ms(run['p99_us'])} | {errors(run)} | {cpu(run)} |")
    w("\nerrors = non-2xx responses + socket errors (connect, read, write, timeout). "
      "status requests cycle through 1,000 random seeded recordings. nginx runs with access_log off; "
      "the evhttp floor is bench/evhttp-floor.c, plain libevent answering /health inline with the same bytes (no routing, no log); "
      "recording-api formats a JSON access line per request (to /dev/null) and counts it in /metrics. "
      "Server CPU per request is user + system time of the serving processes over the run (recording-api; nginx's master and workers; "
      "the floor), PostgreSQL's own work not included. "
      "Why the figures are what they are: bench/README.md.\n")

    w("## Cost with history (32 connections)\n")
    w("| endpoint | backend | " + " | ".join(f"{s:,}: req/s, p50 ms, p99 ms, CPU µs/req" for s in sizes) + " |")
    w("|---|---|" + "---|" * len(sizes))
    for endpoint in ("status", "list", "list-deep"):
        for backend in backends:
            cells = []
            for size in sizes:
                run = results.one("wrk", backend=backend, endpoint=endpoint, size=size, connections=32)
                cells.append(f"{run['rps']:.0f}, {ms(run['p50_us'])}, {ms(run['p99_us'])}, {cpu(run)}" + (f" ({errors(run)} err.)" if run and errors(run) else "")
                             if run else "–")
            w(f"| {endpoint} | {backend} | " + " | ".join(cells) + " |")
    w("\nSeeded rows: terminal recordings (90% COMPLETE, 7% FAILED, 3% ABORTED) over 1,000 rooms, one a minute; "
      "SQLite through Python's sqlite3, PostgreSQL with psql \\copy then VACUUM ANALYZE.\n")

    cycle_rows = [results.one("cycles", label=b) for b in backends]
    cycle_rows = [c for c in cycle_rows if c]
    if cycle_rows:
        w(f"## Start and stop against the emulator ({options.cycles} cycles, after 5 warm-up)\n")
        w("| backend | call | emulator direct p50 / p99 ms | recording-api p50 / p99 ms | added p50 / p99 ms |")
        w("|---|---|---|---|---|")
        for c in cycle_rows:
            for call, calls in (("start", "ListRooms + StartRoomCompositeEgress"), ("stop", "StopEgress")):
                d, a, x = c[f"direct_{call}"], c[f"api_{call}"], c[f"added_{call}"]
                w(f"| {c['label']} | {call} ({calls}) | {d['p50_ms']:.2f} / {d['p99_ms']:.2f} | "
                  f"{a['p50_ms']:.2f} / {a['p99_ms']:.2f} | {x['p50_ms']:.2f} / {x['p99_ms']:.2f} |")
        for c in cycle_rows:
            means = c.get("server_means_ms") or {}
            if means:
                w(f"\n{c['label']}: as recording-api timed itself (means, ms; /metrics): " +
                  ", ".join(f"{name} {value:.2f}" for name, value in sorted(means.items())))
        w("\nOne keep-alive Python client times both sides, interleaved: the Twirp calls recording-api makes, "
          "sent straight to the emulator, and our POST /api/recording/start and /stop. "
          "recording-api runs with RECORDING_STOP_WAIT_SECONDS=0: by default a stop also waits for Egress to "
          "finish the upload (its time, not ours). Added = recording-api minus direct.\n")

    w("## Memory (VmRSS) and start-up\n")
    w("| backend | idle MB | peak under 256-conn. load MB | 2 s after load MB | start-up median ms (5 runs) |")
    w("|---|---|---|---|---|")
    for backend in backends:
        idle = results.one("rss", backend=backend, when="idle")
        load = [r["kb"] for r in results.of("rss", backend=backend, when="load")]
        after = results.one("rss", backend=backend, when="after")
        startup = results.one("startup", label=backend)
        w(f"| {backend} | {idle['kb'] / 1024:.1f} | {max(load) / 1024:.1f} | {after['kb'] / 1024:.1f} | "
          f"{startup['median_ms']:.0f} ({', '.join(str(s) for s in startup['samples_ms'])}) |" if idle and load and after and startup else f"| {backend} | – | – | – | – |")
    w("\nStart-up: from exec to the first 200 on /health, database already migrated and seeded; "
      "each run then gets SIGTERM.")
    for backend in backends:
        startup = results.one("startup", label=backend)
        if startup and startup.get("hung_on_sigterm"):
            w(f"\n**{backend}: {startup['hung_on_sigterm']} of {len(startup['samples_ms'])} runs did not exit within 15 s of "
              "the SIGTERM sent right after their first /health 200** (then SIGKILLed): a SIGTERM that early is lost.")
    print("\n".join(out))


if __name__ == "__main__":
    main()
