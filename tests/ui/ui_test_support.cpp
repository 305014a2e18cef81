#include "ui_test_support.h"

#include "ui/composer.h"
#include "ui/prompt_edit.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QTest>

namespace ec::test {

namespace {
int argc = 1;
char arg0[] = "test_ui";
char *argv[] = {arg0, nullptr};

// Wraps the scripted backend to count streamed tokens on the engine thread.
class CountingBackend : public app::ScriptedBackend
{
public:
    CountingBackend(app::ScriptedBackendOptions o, std::shared_ptr<TokenCounter> counter)
        : ScriptedBackend(std::move(o))
        , m_counter(std::move(counter))
    {
    }
    app::BackendTurnResult generate(const app::BackendTurn &user, const ec::cache::CacheChoice &cache,
                                    const app::BackendSampling &sampling, const app::TextFn &onText,
                                    const std::atomic<bool> &cancel) override
    {
        return ScriptedBackend::generate(
            user, cache, sampling,
            [&](const std::string &delta) {
                m_counter->tokens.fetch_add(1);
                onText(delta);
            },
            cancel);
    }

private:
    std::shared_ptr<TokenCounter> m_counter;
};
} // namespace

QApplication &app()
{
    static QApplication *instance = [] {
        qputenv("QT_QPA_PLATFORM", "offscreen");
        auto *a = new QApplication(argc, argv);
        QApplication::setApplicationName("elastic-chat-test");
        QApplication::setOrganizationName("elastic-chat-test");
        QSettings::setDefaultFormat(QSettings::IniFormat);
        return a;
    }();
    return *instance;
}

WindowFixture::WindowFixture(app::ScriptedBackendOptions options, QString dir)
{
    auto counter = this->counter;
    open([options, counter] { return std::make_unique<CountingBackend>(options, counter); }, dir);
}

WindowFixture::WindowFixture(app::BackendFactory factory, QString dir)
{
    open(std::move(factory), dir);
}

void WindowFixture::open(app::BackendFactory factory, const QString &dir)
{
    app();
    dataDir = dir.isEmpty() ? temp.filePath("data") : dir;
    // Settings live next to the data, so a second process finds the same ones.
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dataDir + "/settings");
    modelDir = writeFakeModel("llava-test", R"({"model_type": "llava"})");
    app::ChatController::Options o;
    o.dataFolder = dataDir;
    o.backendFactory = std::move(factory);
    controller = std::make_unique<app::ChatController>(o);
    window = std::make_unique<ui::MainWindow>(controller.get());
    window->show();
    window->activateWindow();
    if (!QTest::qWaitForWindowActive(window.get()))
        qWarning("window not active: shortcuts may not fire");
}

WindowFixture::~WindowFixture()
{
    if (window)
        window->close();
    window.reset();
    controller.reset();
}

QString WindowFixture::writeFakeModel(const QString &name, const QByteArray &config, bool weights)
{
    // Next to the data folder, so that a second process finds the same model.
    QString dir = QFileInfo(dataDir).absolutePath() + "/" + name;
    QDir().mkpath(dir);
    QFile c(dir + "/config.json");
    c.open(QIODevice::WriteOnly);
    c.write(config);
    if (weights) {
        QFile w(dir + "/model.safetensors");
        w.open(QIODevice::WriteOnly);
    }
    return dir;
}

bool WindowFixture::loadModel()
{
    controller->loadModel(modelDir);
    return waitFor([&] { return controller->isModelLoaded(); });
}

bool WindowFixture::sendAndWait(const QString &text, const QList<QImage> &images)
{
    ui::Composer *composer = window->composer();
    for (const QImage &image : images)
        composer->addImage(image);
    composer->edit()->setFocus();
    QTest::keyClicks(composer->edit(), text);
    QTest::keyClick(composer->edit(), Qt::Key_Return);
    // send() starts the turn synchronously; the answer arrives while we wait.
    if (!controller->isGenerating())
        return false;
    return waitFor([&] { return !controller->isGenerating(); });
}

} // namespace ec::test
