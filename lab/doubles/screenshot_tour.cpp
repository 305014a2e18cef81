#include "lab/doubles/screenshot_tour.h"

#include "app/chat/chat_controller.h"
#include "app/chat/image_files.h"
#include "lab/doubles/scripted_backend.h"
#include "ui/cache_panel.h"
#include "ui/composer.h"
#include "ui/main_window.h"
#include "ui/prompt_edit.h"
#include "ui/transcript_view.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QPainter>
#include <QPainterPath>
#include <QScrollBar>
#include <QSettings>
#include <QSlider>
#include <QTemporaryDir>
#include <QThread>

namespace ec::ui {

QImage sampleImage(int width, int height)
{
    QImage image(width, height, QImage::Format_RGB32);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    QLinearGradient sky(0, 0, 0, height);
    sky.setColorAt(0, QColor(0x4a, 0x90, 0xe2));
    sky.setColorAt(1, QColor(0xcf, 0xe8, 0xff));
    p.fillRect(image.rect(), sky);
    p.setBrush(QColor(0xff, 0xd2, 0x3f));
    p.setPen(Qt::NoPen);
    p.drawEllipse(QPointF(width * 0.8, height * 0.2), height * 0.09, height * 0.09);
    QPainterPath hills;
    hills.moveTo(0, height * 0.7);
    hills.cubicTo(width * 0.3, height * 0.5, width * 0.6, height * 0.85, width, height * 0.6);
    hills.lineTo(width, height);
    hills.lineTo(0, height);
    p.fillPath(hills, QColor(0x3c, 0x9d, 0x4e));
    QRectF house(width * 0.3, height * 0.52, width * 0.18, height * 0.16);
    p.fillRect(house, QColor(0xd7, 0x3a, 0x31));
    QPolygonF roof({house.topLeft() - QPointF(10, 0), house.topRight() + QPointF(10, 0),
                    QPointF(house.center().x(), house.top() - height * 0.1)});
    p.setBrush(QColor(0x6b, 0x3e, 0x26));
    p.drawPolygon(roof);
    p.fillRect(QRectF(house.center().x() - 10, house.bottom() - 34, 20, 34),
               QColor(0x4a, 0x2c, 0x1a));
    return image;
}

namespace {

template <typename Predicate> bool waitFor(Predicate done, int timeoutMs = 20000)
{
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return true;
}

void settle(int ms = 300)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < ms)
        QApplication::processEvents(QEventLoop::AllEvents, 20);
}

bool writeFakeModel(const QString &dir)
{
    QDir().mkpath(dir);
    QFile config(dir + "/config.json");
    if (!config.open(QIODevice::WriteOnly))
        return false;
    config.write(R"({"model_type": "llava", "architectures": ["LlavaForConditionalGeneration"]})");
    QFile weights(dir + "/model.safetensors");
    return weights.open(QIODevice::WriteOnly);
}

bool save(QWidget *window, const QString &path)
{
    settle();
    bool ok = window->grab().save(path);
    qInfo("%s %s", ok ? "wrote" : "FAILED", qPrintable(path));
    return ok;
}

} // namespace

int runScreenshotTour(const QString &outputDir)
{
    QTemporaryDir temp;
    QDir().mkpath(outputDir);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, temp.filePath("settings"));
    QString modelDir = temp.filePath("llava-1.5-7b-hf");
    if (!writeFakeModel(modelDir))
        return 1;

    app::ChatController::Options options;
    options.dataFolder = temp.filePath("data");
    options.backendFactory = [] {
        app::ScriptedBackendOptions o;
        o.tokenDelay = std::chrono::milliseconds(4);
        o.answer = [](const app::BackendTurn &user) -> std::string {
            if (user.images.empty())
                return "With the budget at this size, Elastic Cache merges older entries into "
                       "**anchors** instead of dropping them, so the picture is still "
                       "described:\n\n1. the house is red with a brown roof\n2. the hills are "
                       "green\n3. the sun is in the top right corner\n";
            return "The picture shows a small **red house** with a brown roof on green hills, "
                   "under a blue sky with the sun in the top right corner.\n\n"
                   "- *Colours*: red, brown, green, blue, yellow\n"
                   "- *Objects*: house, door, hills, sun\n\n"
                   "```text\nscene: countryside, daytime\n```\n";
        };
        return std::make_unique<app::ScriptedBackend>(o);
    };
    app::ChatController controller(options);
    MainWindow window(&controller);
    window.resize(1360, 900);
    window.show();
    int failures = 0;

    controller.loadModel(modelDir);
    if (!waitFor([&] { return controller.isModelLoaded(); }))
        return 2;
    failures += !save(&window, outputDir + "/empty.png");

    window.composer()->addImage(sampleImage());
    window.composer()->edit()->setPlainText("What is in this picture?");
    failures += !save(&window, outputDir + "/composing.png");
    window.composer()->submit();
    waitFor([&] { return !controller.isGenerating(); });
    controller.setBudgetBytes(200 * 1000 * 1000);
    controller.send("Describe it again in three points.", {});
    waitFor([&] { return !controller.isGenerating(); });
    settle();
    window.transcript()->verticalScrollBar()->setValue(0); // the image in view
    failures += !save(&window, outputDir + "/conversation.png");

    QString broken = temp.filePath("not-a-model");
    QDir().mkpath(broken);
    controller.loadModel(broken);
    waitFor([&] { return !window.errorText().isEmpty(); });
    failures += !save(&window, outputDir + "/error.png");
    return failures == 0 ? 0 : 3;
}

} // namespace ec::ui
