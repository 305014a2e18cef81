#include "app/chat/sample_offer.h"

#include "app/paths.h"

#include <QObject>
#include <filesystem>

namespace ec::app {

QString sampleImagePath()
{
    // A scene of the demo model's world first: the model the app ships with can describe it.
    for (const char *name : {"demo-scene-1.png", "chelsea.png"}) {
        auto path = resourcesDirectory() / "samples" / name;
        std::error_code ec;
        if (std::filesystem::exists(path, ec))
            return QString::fromStdString(path.string());
    }
    return {};
}

QString sampleQuestion()
{
    return sampleImagePath().endsWith("chelsea.png")
               ? QObject::tr("What animal is in this picture?")
               : QObject::tr("Describe the image in detail.");
}

} // namespace ec::app
