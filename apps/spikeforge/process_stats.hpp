// Facts about this process that several commands report.
#pragma once

#include <sys/resource.h>

#include <cstdio>
#include <cstring>

namespace sf::cli {

// Peak resident memory of this process image so far [MB]: VmHWM of /proc/self/status.
// getrusage's ru_maxrss is NOT used first: Linux carries it across execve from the process that
// forked us, so a command started by a 500 MB Python process (pytest, a notebook) reported that
// process's 500 MB as its own peak. ru_maxrss remains the fallback without /proc.
inline double peak_rss_mb() {
    if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
        char line[256];
        long kib = -1;
        while (std::fgets(line, sizeof line, f))
            if (std::strncmp(line, "VmHWM:", 6) == 0 && std::sscanf(line + 6, "%ld", &kib) == 1) break;
        std::fclose(f);
        if (kib >= 0) return static_cast<double>(kib) / 1024.0;
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace sf::cli
