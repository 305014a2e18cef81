// The body of the desktop app's main(): the controller, the window, the first-run demo model and
// the --demo-run self-check. elastic-chat runs it on the engine; the lab's elastic-chat-lab on a
// simulated one.
#pragma once

#include "app/chat/chat_backend.h"

#include <QStringList>

namespace ec::ui {

// Needs a QApplication. `backend` empty: the libtorch engine. Returns the exit code.
int runMainWindow(const QStringList &args, app::BackendFactory backend);

} // namespace ec::ui
