// A one-line progress bar with rate and ETA, redrawn in place on stderr ('\r'). Redraws are
// throttled; when the stream is not a terminal, a line is printed every 10% instead.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace ec::eval {

class ProgressBar
{
public:
    using Clock = std::function<double()>; // seconds, monotonic

    ProgressBar(std::ostream &out, int64_t total, bool interactive, Clock clock = {});
    // Marks `count` more units done; `label` says what is running now.
    void advance(int64_t count = 1, const std::string &label = {});
    // Prints the final state and a newline.
    void finish();

    // The current line (without '\r'), e.g. "[#####-----]  5/10  50%  0:12 elapsed  ETA 0:12".
    std::string line() const;
    static std::string formatDuration(double seconds); // "0:07", "12:34", "1:02:03"

private:
    void draw(bool force);

    std::ostream &out_;
    int64_t total_;
    int64_t done_ = 0;
    bool interactive_;
    Clock clock_;
    double start_ = 0, lastDraw_ = -1e9;
    int64_t lastDecile_ = 0; // non-interactive: print at 10%, 20%, ... 100%
    std::string label_;
};

} // namespace ec::eval
