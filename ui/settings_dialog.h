// Settings: engine placement (device, dtype, threads), sampling, system prompt, data folder.
#pragma once

#include "app/chat/chat_types.h"

#include <QDialog>

class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace ec::ui {

class SettingsDialog : public QDialog
{
    Q_OBJECT

public:
    explicit SettingsDialog(const app::ChatSettings &settings, QWidget *parent = nullptr);
    app::ChatSettings settings() const;

private:
    app::ChatSettings m_initial;
    QComboBox *m_device = nullptr;
    QComboBox *m_dtype = nullptr;
    QComboBox *m_weights = nullptr;
    QSpinBox *m_threads = nullptr;
    QDoubleSpinBox *m_temperature = nullptr;
    QDoubleSpinBox *m_topP = nullptr;
    QSpinBox *m_maxTokens = nullptr;
    QPlainTextEdit *m_system = nullptr;
    QLineEdit *m_dataFolder = nullptr;
};

} // namespace ec::ui
