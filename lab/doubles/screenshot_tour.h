// Renders the main states of the window (empty, a conversation with an image and the cache
// chart, an error) into PNG files, for the README. Runs offscreen with the scripted backend and
// a throw-away data folder and settings, so it never touches the user's history.
#pragma once

#include <QImage>
#include <QString>

namespace ec::ui {

// Returns 0 when every screenshot was written.
int runScreenshotTour(const QString &outputDir);

// A sample photo-like picture (sky, sun, hills, a red house), drawn so the repository needs no
// binary fixture; tests use it too.
QImage sampleImage(int width = 640, int height = 480);

} // namespace ec::ui
