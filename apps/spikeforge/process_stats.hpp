// Facts about this process that several commands report.
#pragma once

#include <sys/resource.h>

namespace sf::cli {

// Peak resident memory of this process so far [MB].
inline double peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace sf::cli
