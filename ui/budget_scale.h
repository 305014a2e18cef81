// The memory-budget slider's scale: logarithmic from a floor of a few cache entries up to the
// model's full cache, so that both ends are usable whether the full cache is the demo model's
// 6 MB or a 7B model's gigabytes (a linear scale in MB put the demo model's whole three-turn
// conversation below its lowest step).
#pragma once

#include <QtGlobal>

namespace ec::ui {

struct BudgetScale
{
    static constexpr int kSteps = 200;        // positions 0..kSteps; kSteps means no limit
    static constexpr qint64 kFloorEntries = 8; // the lowest budget, in cache entries

    qint64 floorBytes = 1;
    qint64 fullBytes = 1;

    static BudgetScale forCache(qint64 fullBytes, qint64 bytesPerToken);
    // The budget at a slider position: floorBytes at 0, then to three significant digits;
    // 0 (no limit) at kSteps.
    qint64 bytesAt(int position) const;
    // The nearest position below kSteps for a budget; kSteps for 0 (no limit).
    int positionOf(qint64 bytes) const;
};

} // namespace ec::ui
