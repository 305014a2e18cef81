#include "lab/eval/progress.h"

#include <gtest/gtest.h>
#include <sstream>

using ec::eval::ProgressBar;

TEST(Progress, FormatsDurations)
{
    EXPECT_EQ(ProgressBar::formatDuration(7.4), "0:07");
    EXPECT_EQ(ProgressBar::formatDuration(754), "12:34");
    EXPECT_EQ(ProgressBar::formatDuration(3723), "1:02:03");
    EXPECT_EQ(ProgressBar::formatDuration(-1), "?");
}

TEST(Progress, EtaFromMeanTimePerUnit)
{
    double now = 100;
    std::ostringstream out;
    ProgressBar bar(out, 4, /*interactive=*/true, [&] { return now; });
    EXPECT_NE(bar.line().find("0/4   0%"), std::string::npos) << bar.line();
    EXPECT_NE(bar.line().find("ETA ?"), std::string::npos);
    now = 110;
    bar.advance(1, "elastic@0.50");
    // 10 s for one unit, three left.
    EXPECT_NE(bar.line().find("1/4  25%  0:10 elapsed  ETA 0:30  elastic@0.50"), std::string::npos)
        << bar.line();
    EXPECT_EQ(bar.line().substr(0, 8), "[######-");
    EXPECT_EQ(out.str().front(), '\r');
    bar.finish();
    EXPECT_EQ(out.str().back(), '\n');
}

TEST(Progress, NonInteractivePrintsEveryTenthOnce)
{
    double now = 0;
    std::ostringstream out;
    ProgressBar bar(out, 20, /*interactive=*/false, [&] { return now; });
    for (int i = 0; i < 20; ++i) {
        now += 1;
        bar.advance();
    }
    bar.finish();
    const auto text = out.str();
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 10); // 10%, 20%, ..., 100%
    EXPECT_EQ(text.find('\r'), std::string::npos);
}
