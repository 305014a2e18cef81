// The sample the empty window offers on the first run: an image that ships with the app and a
// question the shipped model can answer about it.
#pragma once

#include <QString>

namespace ec::app {

// Empty when no sample image is installed.
QString sampleImagePath();
// The demo model's description prompt for a demo scene.
QString sampleQuestion();

} // namespace ec::app
