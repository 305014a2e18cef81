#include "ui/settings_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>

namespace ec::ui {

namespace {
QComboBox *editableCombo(const QStringList &items, const QString &current, QWidget *parent)
{
    auto *combo = new QComboBox(parent);
    combo->addItems(items);
    combo->setEditable(true);
    combo->setCurrentText(current);
    return combo;
}
} // namespace

SettingsDialog::SettingsDialog(const app::ChatSettings &s, QWidget *parent)
    : QDialog(parent)
    , m_initial(s)
{
    setObjectName(QStringLiteral("settingsDialog"));
    setWindowTitle(tr("Settings"));
    auto *form = new QFormLayout;
    m_device = editableCombo({"auto", "cpu", "cuda", "cuda:0", "cuda:1"}, s.device, this);
    m_device->setObjectName(QStringLiteral("deviceCombo"));
    m_device->setAccessibleName(tr("Device"));
    form->addRow(tr("Device"), m_device);
    m_dtype = editableCombo({"auto", "f32", "bf16", "f16"}, s.dtype, this);
    m_dtype->setEditable(false);
    m_dtype->setObjectName(QStringLiteral("dtypeCombo"));
    m_dtype->setAccessibleName(tr("Data type"));
    form->addRow(tr("Data type"), m_dtype);
    m_weights = editableCombo({"auto", "f32", "bf16", "f16", "q8", "q4"}, s.weights, this);
    m_weights->setEditable(false);
    m_weights->setObjectName(QStringLiteral("weightsCombo"));
    m_weights->setAccessibleName(tr("Weights"));
    m_weights->setToolTip(tr("How the model's layers are kept in memory. auto: as the data type. "
                             "q8 (8-bit) is close to full quality at about a quarter of f32; "
                             "q4 (4-bit) is the smallest and fastest on a CPU, a little less "
                             "accurate."));
    form->addRow(tr("Weights"), m_weights);
    m_threads = new QSpinBox(this);
    m_threads->setRange(0, 256);
    m_threads->setSpecialValueText(tr("all cores"));
    m_threads->setValue(s.threads);
    m_threads->setAccessibleName(tr("CPU threads"));
    form->addRow(tr("CPU threads"), m_threads);
    m_temperature = new QDoubleSpinBox(this);
    m_temperature->setRange(0, 2);
    m_temperature->setSingleStep(0.05);
    m_temperature->setValue(s.temperature);
    m_temperature->setAccessibleName(tr("Temperature"));
    m_temperature->setToolTip(tr("0 = always the most likely token"));
    form->addRow(tr("Temperature"), m_temperature);
    m_topP = new QDoubleSpinBox(this);
    m_topP->setRange(0.05, 1);
    m_topP->setSingleStep(0.05);
    m_topP->setValue(s.topP);
    m_topP->setAccessibleName(tr("Top-p"));
    form->addRow(tr("Top-p"), m_topP);
    m_maxTokens = new QSpinBox(this);
    m_maxTokens->setRange(1, 32768);
    m_maxTokens->setValue(s.maxTokens);
    m_maxTokens->setAccessibleName(tr("Maximum new tokens"));
    form->addRow(tr("Max new tokens"), m_maxTokens);
    m_system = new QPlainTextEdit(s.systemPrompt, this);
    m_system->setAccessibleName(tr("System prompt"));
    m_system->setMaximumHeight(90);
    form->addRow(tr("System prompt"), m_system);
    auto *folderRow = new QHBoxLayout;
    m_dataFolder = new QLineEdit(s.dataFolder, this);
    m_dataFolder->setAccessibleName(tr("Data folder"));
    auto *browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        QString dir =
            QFileDialog::getExistingDirectory(this, tr("Data folder"), m_dataFolder->text());
        if (!dir.isEmpty())
            m_dataFolder->setText(dir);
    });
    folderRow->addWidget(m_dataFolder, 1);
    folderRow->addWidget(browse);
    form->addRow(tr("Data folder"), folderRow);
    auto *note = new QLabel(tr("Device, data type and threads reload the model. A new data "
                               "folder is used from the next start."),
                            this);
    note->setWordWrap(true);
    note->setStyleSheet(QStringLiteral("color: #586069;"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(buttons);
}

app::ChatSettings SettingsDialog::settings() const
{
    app::ChatSettings s = m_initial;
    s.device = m_device->currentText().trimmed();
    s.dtype = m_dtype->currentText();
    s.weights = m_weights->currentText();
    s.threads = m_threads->value();
    s.temperature = m_temperature->value();
    s.topP = m_topP->value();
    s.maxTokens = m_maxTokens->value();
    s.systemPrompt = m_system->toPlainText();
    s.dataFolder = m_dataFolder->text().trimmed();
    return s;
}

} // namespace ec::ui
