// glibc's <malloc.h> (mallopt), which Swift's Glibc module leaves out. Only the
// recording-api executable imports this module, to tune the process's allocator.
#pragma once
#include <malloc.h>
