// What a what-if matrix compares, chosen before it runs: the predictors, the policies, the
// cadences and whether plans are relabelled, prefilled from the experiment panel. Plain std
// types, so the window builds core's WhatIfSpec from a choice without this header including
// core's what-if headers (their `slots` fields collide with Qt's keyword macro). Names are
// checked by the core when the matrix starts; the dialog checks only the shape of the fields.
#pragma once

#include <QDialog>
#include <QString>
#include <cstdint>
#include <string>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace moe::gui {

struct WhatIfChoice {
    std::vector<std::string> predictors;  // one spec each, as the panel takes them
    std::vector<std::string> policies;    // policy specs
    std::vector<int64_t> cadences;        // rebalance every N steps
    std::vector<bool> relabel{false};     // {false}, {true} or both: rows with and without
};

class WhatIfDialog : public QDialog {
    Q_OBJECT
public:
    WhatIfDialog(const WhatIfChoice& defaults, const QString& workload, QWidget* parent = nullptr);

    // The fields as a choice; meaningful when problem() is empty.
    WhatIfChoice choice() const;
    // Why the fields cannot run (an empty list, a cadence that is not a whole number >= 1);
    // empty when they can. OK stays disabled while there is one.
    QString problem() const;

    QPlainTextEdit* predictorsEdit() const { return predictors_; }
    QLineEdit* policiesEdit() const { return policies_; }
    QLineEdit* cadencesEdit() const { return cadences_; }
    QComboBox* relabelBox() const { return relabel_; }

private:
    void check();

    QPlainTextEdit* predictors_;
    QLineEdit* policies_;
    QLineEdit* cadences_;
    QComboBox* relabel_;
    QLabel* problem_;
    QPushButton* ok_;
};

}  // namespace moe::gui
