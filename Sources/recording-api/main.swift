import Foundation
import RecordingServer

#if canImport(CMalloc)
import CMalloc

// glibc hands the free top of a heap back to the kernel once it passes M_TRIM_THRESHOLD
// (128 KiB, and it only rises after an mmap'd block is freed). A list page freed its rows and
// its ~20 KiB body at the end of every request, crossing it: each request paid a trim and
// ~3 page faults to grow the heap again (bench/README.md). 1 MiB of slack per arena stops it.
_ = mallopt(M_TRIM_THRESHOLD, 1 << 20)
#endif

// Everything lives in RecordingServer so tests can run the same wiring.
exit(await RecordingAPI.main())
