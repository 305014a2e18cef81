// `elastic-chat --demo-run FILE.png`: the first-run experience, scripted end to end on the real
// engine. Loads the model (the shipped demo model unless one was opened before), takes the
// sample offer in the empty transcript, sends it through the composer, waits for the streamed
// answer, saves a screenshot of the window and prints the answer on stdout. Used by the
// installed-package test (under Xvfb) and to render the README's screenshots.
#pragma once

#include <QString>

namespace ec::app {
class ChatController;
}

namespace ec::ui {

class MainWindow;

// Starts the run on `window` (already shown, session restored) and returns at once; the
// application exits with 0 when the screenshot is written, 1 on a model or engine error, 2 when
// nothing finished within `timeoutMs`.
void startDemoRun(MainWindow *window, app::ChatController *controller, const QString &screenshot,
                  int timeoutMs = 300000);

} // namespace ec::ui
