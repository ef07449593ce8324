// See whatif_dialog.h.
#include "app/gui/whatif_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace moe::gui {

namespace {
// Policies and cadences as the CLI's repeated flags would give them: commas or spaces between.
QStringList listed(const QString& text) {
    return text.split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts);
}

QString joined(const std::vector<std::string>& items, const QString& between) {
    QStringList out;
    for (const std::string& s : items) out << QString::fromStdString(s);
    return out.join(between);
}
}  // namespace

WhatIfDialog::WhatIfDialog(const WhatIfChoice& defaults, const QString& workload, QWidget* parent)
    : QDialog(parent) {
    setWindowTitle(tr("Run what-if matrix"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("Replays %1 once for every predictor x policy x cadence, each "
                                "on its own placement, beside contiguous and each policy's "
                                "oracle. The rest of the experiment comes from the panel.")
                                 .arg(workload.toHtmlEscaped()),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto* form = new QFormLayout;
    predictors_ = new QPlainTextEdit(joined(defaults.predictors, "\n"), this);
    predictors_->setToolTip(tr("One predictor spec a line, as in the panel (sw_avg:window=50)"));
    predictors_->setMaximumHeight(110);
    policies_ = new QLineEdit(joined(defaults.policies, ", "), this);
    policies_->setToolTip(tr("Policy specs, comma separated (eplb, gps, fastermoe, harmoeny...)"));
    QStringList every;
    for (int64_t c : defaults.cadences) every << QString::number(c);
    cadences_ = new QLineEdit(every.join(", "), this);
    cadences_->setToolTip(tr("Rebalance every N steps; several, comma separated"));
    relabel_ = new QComboBox(this);
    relabel_->addItems({tr("off"), tr("on"), tr("both")});
    const size_t modes = defaults.relabel.size();
    relabel_->setCurrentIndex(modes > 1 ? 2 : modes == 1 && defaults.relabel[0] ? 1 : 0);
    relabel_->setToolTip(
        tr("Rename each plan's ranks to keep replicas in place (same balance, "
           "fewer copies); both: rows with and without"));
    form->addRow(tr("Predictors"), predictors_);
    form->addRow(tr("Policies"), policies_);
    form->addRow(tr("Rebalance every"), cadences_);
    form->addRow(tr("Relabel plans"), relabel_);
    layout->addLayout(form);
    problem_ = new QLabel(this);
    problem_->setStyleSheet(QStringLiteral("color: #b22222"));
    layout->addWidget(problem_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    ok_ = buttons->button(QDialogButtonBox::Ok);
    ok_->setText(tr("Run"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(predictors_, &QPlainTextEdit::textChanged, this, &WhatIfDialog::check);
    connect(policies_, &QLineEdit::textChanged, this, &WhatIfDialog::check);
    connect(cadences_, &QLineEdit::textChanged, this, &WhatIfDialog::check);
    check();
}

WhatIfChoice WhatIfDialog::choice() const {
    WhatIfChoice c;
    for (const QString& line : predictors_->toPlainText().split('\n', Qt::SkipEmptyParts))
        if (!line.trimmed().isEmpty()) c.predictors.push_back(line.trimmed().toStdString());
    for (const QString& p : listed(policies_->text())) c.policies.push_back(p.toStdString());
    for (const QString& e : listed(cadences_->text())) c.cadences.push_back(e.toLongLong());
    const int relabel = relabel_->currentIndex();
    c.relabel = relabel == 2 ? std::vector<bool>{false, true} : std::vector<bool>{relabel == 1};
    return c;
}

QString WhatIfDialog::problem() const {
    const WhatIfChoice c = choice();
    if (c.predictors.empty()) return tr("Name at least one predictor.");
    if (c.policies.empty()) return tr("Name at least one policy.");
    if (c.cadences.empty()) return tr("Give at least one cadence (every N steps).");
    for (const QString& e : listed(cadences_->text())) {
        bool ok = false;
        if (e.toLongLong(&ok) < 1 || !ok)
            return tr("Cadence \"%1\" is not a whole number of steps, 1 or more.").arg(e);
    }
    return {};
}

void WhatIfDialog::check() {
    const QString why = problem();
    problem_->setText(why);
    problem_->setVisible(!why.isEmpty());
    ok_->setEnabled(why.isEmpty());
}

}  // namespace moe::gui
