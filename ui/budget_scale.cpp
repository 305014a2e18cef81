#include "ui/budget_scale.h"

#include <algorithm>
#include <cmath>

namespace ec::ui {

namespace {

qint64 threeDigits(double bytes)
{
    if (bytes < 1000)
        return qint64(std::llround(bytes));
    const double unit = std::pow(10.0, std::floor(std::log10(bytes)) - 2);
    return qint64(std::llround(bytes / unit) * unit);
}

} // namespace

BudgetScale BudgetScale::forCache(qint64 fullBytes, qint64 bytesPerToken)
{
    BudgetScale s;
    s.fullBytes = std::max<qint64>(fullBytes, 2);
    s.floorBytes = std::clamp<qint64>(bytesPerToken * kFloorEntries, 1, s.fullBytes / 2);
    return s;
}

qint64 BudgetScale::bytesAt(int position) const
{
    if (position >= kSteps)
        return 0;
    if (position <= 0)
        return floorBytes; // exactly kFloorEntries entries
    const double t = double(position) / kSteps;
    const double bytes = double(floorBytes) * std::pow(double(fullBytes) / floorBytes, t);
    return std::clamp<qint64>(threeDigits(bytes), floorBytes, fullBytes - 1);
}

int BudgetScale::positionOf(qint64 bytes) const
{
    if (bytes <= 0)
        return kSteps;
    const double t = std::log(double(std::max(bytes, floorBytes)) / floorBytes) /
                     std::log(double(fullBytes) / floorBytes);
    return std::clamp(int(std::lround(t * kSteps)), 0, kSteps - 1);
}

} // namespace ec::ui
