#include "lab/eval/progress.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace ec::eval {

ProgressBar::ProgressBar(std::ostream &out, int64_t total, bool interactive, Clock clock)
    : out_(out)
    , total_(total > 0 ? total : 0)
    , interactive_(interactive)
    , clock_(clock ? std::move(clock) : Clock([] {
        using namespace std::chrono;
        return duration<double>(steady_clock::now().time_since_epoch()).count();
    }))
{
    start_ = clock_();
}

std::string ProgressBar::formatDuration(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0)
        return "?";
    const auto total = static_cast<int64_t>(std::llround(seconds));
    char text[32];
    if (total >= 3600)
        std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(total / 3600),
                      static_cast<long long>(total / 60 % 60), static_cast<long long>(total % 60));
    else
        std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(total / 60),
                      static_cast<long long>(total % 60));
    return text;
}

std::string ProgressBar::line() const
{
    constexpr int barWidth = 24;
    const double fraction = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1;
    const int filled = static_cast<int>(fraction * barWidth);
    std::string bar(barWidth + 2, '-');
    bar.front() = '[';
    bar.back() = ']';
    std::fill_n(bar.begin() + 1, filled, '#');
    const double elapsed = clock_() - start_;
    // ETA from the mean time per unit so far; unknown before the first unit.
    const double eta =
        done_ ? elapsed / static_cast<double>(done_) * static_cast<double>(total_ - done_) : NAN;
    char text[160];
    std::snprintf(text, sizeof text, "%s %lld/%lld %3d%%  %s elapsed  ETA %s", bar.c_str(),
                  static_cast<long long>(done_), static_cast<long long>(total_),
                  static_cast<int>(std::floor(fraction * 100)), formatDuration(elapsed).c_str(),
                  formatDuration(eta).c_str());
    return label_.empty() ? text : std::string(text) + "  " + label_;
}

void ProgressBar::advance(int64_t count, const std::string &label)
{
    done_ = std::min(total_, done_ + count);
    label_ = label;
    draw(false);
}

void ProgressBar::finish()
{
    draw(true);
    if (interactive_)
        out_ << '\n';
    out_.flush();
}

void ProgressBar::draw(bool force)
{
    const double now = clock_();
    if (interactive_) {
        if (!force && now - lastDraw_ < 0.2 && done_ < total_)
            return;
        lastDraw_ = now;
        out_ << '\r' << line() << "\x1b[K" << std::flush; // clear what a longer label left
        return;
    }
    const int64_t decile = total_ ? done_ * 10 / total_ : 10;
    if (decile == lastDecile_) // the final state is printed once, by advance or by finish
        return;
    lastDecile_ = decile;
    out_ << line() << '\n' << std::flush;
}

} // namespace ec::eval
