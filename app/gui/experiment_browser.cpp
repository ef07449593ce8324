// See experiment_browser.h. The store is reached through core/store only; every call is
// wrapped so a store error becomes a warning instead of an exception in the event loop.
#include "app/gui/experiment_browser.h"

#include <QAction>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <set>

#include "app/gui/step_summary.h"
#include "core/common/output_file.h"
#include "core/stats/load_matrix.h"
#include "core/store/experiment_store.h"
#include "core/store/run_exporter.h"
#include "core/store/run_reader.h"
#include "core/store/store_paths.h"

namespace moe::gui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

std::vector<std::string> toStd(const QStringList& list) {
    std::vector<std::string> out;
    for (const QString& s : list) {
        const QString t = s.trimmed();
        if (!t.isEmpty()) out.push_back(t.toStdString());
    }
    return out;
}

QString joinTags(const std::vector<std::string>& tags) {
    QStringList list;
    for (const auto& t : tags) list << q(t);
    return list.join(QStringLiteral(", "));
}

QStringList splitTags(const QString& text) {
    QStringList out;
    for (const QString& part :
         text.split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts))
        out << part;
    return out;
}

}  // namespace

int64_t exportRunRecords(const QString& dbPath, int64_t runId, const QString& what,
                         const QString& format, const QString& outPath, QString* error) {
    try {
        const auto w = store::parseExportWhat(what.toStdString());
        const auto f = store::parseExportFormat(format.toStdString());
        store::ExperimentStore st(dbPath.toStdString());
        store::RunReader reader(st.connection(), st.run(runId));
        // OutputFile refuses a directory or an SQLite database (the store itself, picked in
        // the save dialog by mistake) and writes through a temporary file, so a failed export
        // leaves no truncated file; its moe::Error becomes the message box below.
        const std::string path = outPath.toLocal8Bit().toStdString();
        OutputFile out(path);
        const int64_t n = store::exportRun(reader, w, f, out.get(), outPath.toStdString());
        out.commit();
        return n;
    } catch (const std::exception& e) {
        if (error) *error = QString::fromUtf8(e.what());
        return -1;
    }
}

ExperimentBrowser::ExperimentBrowser(QWidget* parent) : QWidget(parent) {
    search_ = new QLineEdit(this);
    search_->setPlaceholderText(QStringLiteral("Search name, workload or tags"));
    search_->setClearButtonEnabled(true);
    auto* refreshButton = new QPushButton(QStringLiteral("Refresh"), this);
    table_ = new QTableWidget(0, ColumnCount, this);
    table_->setHorizontalHeaderLabels({QStringLiteral("Id"), QStringLiteral("Name"),
                                       QStringLiteral("Status"), QStringLiteral("Created"),
                                       QStringLiteral("Workload"), QStringLiteral("Steps"),
                                       QStringLiteral("Tags")});
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSortingEnabled(true);
    table_->verticalHeader()->setVisible(false);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setContextMenuPolicy(Qt::CustomContextMenu);
    status_ = new QLabel(this);

    auto* bar = new QHBoxLayout;
    bar->addWidget(search_, 1);
    bar->addWidget(refreshButton);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addLayout(buildActionButtons());
    layout->addWidget(table_, 1);
    layout->addWidget(status_);

    auto* refreshAction = new QAction(QStringLiteral("Refresh"), this);
    refreshAction->setShortcut(QKeySequence::Refresh);
    addAction(refreshAction);
    connect(refreshAction, &QAction::triggered, this, [this] { refresh(); });
    connect(refreshButton, &QPushButton::clicked, this, [this] { refresh(); });
    connect(search_, &QLineEdit::textChanged, this, [this] { applyFilter(); });
    connect(table_, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
        if (QTableWidgetItem* item = table_->item(row, IdColumn))
            emit runOpened(item->data(Qt::DisplayRole).toLongLong());
    });
    connect(table_, &QWidget::customContextMenuRequested, this,
            &ExperimentBrowser::showContextMenu);

    populate();
}

QHBoxLayout* ExperimentBrowser::buildActionButtons() {
    auto* row = new QHBoxLayout;
    auto add = [this, row](const char* text, const char* tip, std::function<void()> onClick) {
        auto* b = new QPushButton(QString::fromUtf8(text), this);
        if (*tip) b->setToolTip(QString::fromUtf8(tip));
        connect(b, &QPushButton::clicked, this, std::move(onClick));
        row->addWidget(b);
    };
    add("Open", "Open the selected run and scrub through it", [this] {
        if (int64_t id = currentRunId()) emit runOpened(id);
    });
    add("Re-run", "Run the selected run's configuration again (same seed, same loads)", [this] {
        if (int64_t id = currentRunId()) emit rerunRequested(id);
    });
    add("Overlay", "Overlay the selected runs in the error and balance views", [this] {
        if (!selectedRunIds().empty()) emit overlayRequested(selectedRunIds());
    });
    add("Compare", "Add the selected runs' predictors and policies to the comparison table",
        [this] {
            if (!selectedRunIds().empty()) emit compareRequested(selectedRunIds());
        });
    add("Tags...", "", [this] {
        if (int64_t id = currentRunId()) editTagsInteractive(id);
    });
    add("Notes...", "", [this] {
        if (int64_t id = currentRunId()) editNotesInteractive(id);
    });
    add("Delete", "", [this] { deleteSelectedInteractive(); });
    row->addStretch(1);
    return row;
}

ExperimentBrowser::ExperimentBrowser(const QString& dbPath, QWidget* parent)
    : ExperimentBrowser(parent) {
    if (dbPath.isEmpty()) {
        openDefaultDatabase();
    } else {
        openDatabase(dbPath);
    }
}

bool ExperimentBrowser::openDefaultDatabase() {
    QString path;
    try {
        path = q(store::defaultDatabasePath());
    } catch (const std::exception& e) {
        warn(QStringLiteral("Experiment database"), QString::fromUtf8(e.what()));
        return false;
    }
    return openDatabase(path);
}

ExperimentBrowser::~ExperimentBrowser() = default;

void ExperimentBrowser::setConfirmHandler(ConfirmHandler handler) { confirm_ = std::move(handler); }
void ExperimentBrowser::setWarningHandler(WarningHandler handler) { warning_ = std::move(handler); }

void ExperimentBrowser::warn(const QString& title, const QString& text) {
    status_->setText(text);
    if (warning_) {
        warning_(title, text);
    } else {
        QMessageBox::warning(this, title, text);
    }
}

bool ExperimentBrowser::openDatabase(const QString& path) {
    store_.reset();
    runs_.clear();
    path_ = path;
    try {
        store_ = std::make_unique<store::ExperimentStore>(path.toStdString());
    } catch (const std::exception& e) {
        populate();
        warn(QStringLiteral("Cannot open experiment database"), QString::fromUtf8(e.what()));
        return false;
    }
    return refresh();
}

bool ExperimentBrowser::refresh() {
    if (!store_) {
        populate();
        return false;
    }
    try {
        runs_ = store_->listRuns();
    } catch (const std::exception& e) {
        runs_.clear();
        populate();
        warn(QStringLiteral("Cannot list runs"), QString::fromUtf8(e.what()));
        return false;
    }
    populate();
    emit runsChanged();
    return true;
}

void ExperimentBrowser::populate() {
    const bool sorting = table_->isSortingEnabled();
    table_->setSortingEnabled(false);
    table_->clearContents();
    table_->setRowCount(static_cast<int>(runs_.size()));
    for (int row = 0; row < static_cast<int>(runs_.size()); ++row) {
        const store::RunRecord& r = runs_[static_cast<size_t>(row)];
        auto* id = new QTableWidgetItem;
        id->setData(Qt::DisplayRole, static_cast<qlonglong>(r.id));
        auto* steps = new QTableWidgetItem;
        steps->setData(Qt::DisplayRole, static_cast<qlonglong>(r.steps));
        auto* name = new QTableWidgetItem(q(r.name));
        if (!r.notes.empty()) name->setToolTip(q(r.notes));
        auto* status = new QTableWidgetItem(QString::fromLatin1(store::toString(r.status)));
        if (!r.error.empty()) status->setToolTip(q(r.error));
        table_->setItem(row, IdColumn, id);
        table_->setItem(row, NameColumn, name);
        table_->setItem(row, StatusColumn, status);
        table_->setItem(row, CreatedColumn, new QTableWidgetItem(q(r.created)));
        table_->setItem(row, WorkloadColumn, new QTableWidgetItem(q(r.workload)));
        table_->setItem(row, StepsColumn, steps);
        table_->setItem(row, TagsColumn, new QTableWidgetItem(joinTags(r.tags)));
    }
    table_->setSortingEnabled(sorting);
    applyFilter();
}

void ExperimentBrowser::applyFilter() {
    const QString needle = search_->text().trimmed();
    int shown = 0;
    for (int row = 0; row < table_->rowCount(); ++row) {
        bool match = needle.isEmpty();
        for (int col : {NameColumn, WorkloadColumn, TagsColumn}) {
            if (match) break;
            if (QTableWidgetItem* item = table_->item(row, col))
                match = item->text().contains(needle, Qt::CaseInsensitive);
        }
        table_->setRowHidden(row, !match);
        if (match) ++shown;
    }
    if (!store_) {
        status_->setText(path_.isEmpty() ? QStringLiteral("No database")
                                         : QStringLiteral("Not open: %1").arg(path_));
    } else {
        status_->setText(
            QStringLiteral("%1 of %2 runs in %3%4")
                .arg(shown)
                .arg(runs_.size())
                .arg(path_, store_->readOnly() ? QStringLiteral(" (read-only)") : QString()));
    }
}

void ExperimentBrowser::setSearchText(const QString& text) { search_->setText(text); }
QString ExperimentBrowser::searchText() const { return search_->text(); }

int ExperimentBrowser::visibleRunCount() const { return static_cast<int>(visibleRunIds().size()); }

std::vector<int64_t> ExperimentBrowser::visibleRunIds() const {
    std::vector<int64_t> ids;
    for (int row = 0; row < table_->rowCount(); ++row) {
        if (table_->isRowHidden(row)) continue;
        if (QTableWidgetItem* item = table_->item(row, IdColumn))
            ids.push_back(item->data(Qt::DisplayRole).toLongLong());
    }
    return ids;
}

std::vector<int64_t> ExperimentBrowser::selectedRunIds() const {
    std::set<int> rows;
    for (const QModelIndex& index : table_->selectionModel()->selectedRows())
        rows.insert(index.row());
    std::vector<int64_t> ids;
    for (int row : rows) {
        if (table_->isRowHidden(row)) continue;
        if (QTableWidgetItem* item = table_->item(row, IdColumn))
            ids.push_back(item->data(Qt::DisplayRole).toLongLong());
    }
    return ids;
}

int64_t ExperimentBrowser::currentRunId() const {
    const int row = table_->currentRow();
    if (row < 0 || table_->isRowHidden(row)) return 0;
    QTableWidgetItem* item = table_->item(row, IdColumn);
    return item ? item->data(Qt::DisplayRole).toLongLong() : 0;
}

std::optional<store::RunRecord> ExperimentBrowser::runRecord(int64_t id) const {
    for (const auto& r : runs_)
        if (r.id == id) return r;
    return std::nullopt;
}

bool ExperimentBrowser::addTags(int64_t id, const QStringList& tags) {
    if (!store_) return false;
    try {
        store_->addTags(id, toStd(tags));
    } catch (const std::exception& e) {
        warn(QStringLiteral("Cannot tag run %1").arg(id), QString::fromUtf8(e.what()));
        return false;
    }
    return refresh();
}

bool ExperimentBrowser::removeTags(int64_t id, const QStringList& tags) {
    if (!store_) return false;
    try {
        store_->removeTags(id, toStd(tags));
    } catch (const std::exception& e) {
        warn(QStringLiteral("Cannot untag run %1").arg(id), QString::fromUtf8(e.what()));
        return false;
    }
    return refresh();
}

bool ExperimentBrowser::setNotes(int64_t id, const QString& notes) {
    if (!store_) return false;
    try {
        store_->setNotes(id, notes.toStdString());
    } catch (const std::exception& e) {
        warn(QStringLiteral("Cannot annotate run %1").arg(id), QString::fromUtf8(e.what()));
        return false;
    }
    return refresh();
}

bool ExperimentBrowser::deleteRun(int64_t id) {
    if (!store_) return false;
    const auto record = runRecord(id);
    const QString title = QStringLiteral("Delete run");
    const QString text =
        QStringLiteral("Delete run %1%2 and everything it recorded? This cannot be undone.")
            .arg(id)
            .arg(record ? QStringLiteral(" (%1)").arg(q(record->name)) : QString());
    bool yes = false;
    if (confirm_) {
        yes = confirm_(title, text);
    } else {
        yes = QMessageBox::question(this, title, text, QMessageBox::Yes | QMessageBox::No,
                                    QMessageBox::No) == QMessageBox::Yes;
    }
    if (!yes) return false;
    try {
        store_->deleteRun(id);
    } catch (const std::exception& e) {
        warn(QStringLiteral("Cannot delete run %1").arg(id), QString::fromUtf8(e.what()));
        return false;
    }
    return refresh();
}

std::optional<RunSeries> ExperimentBrowser::readSeries(int64_t id) {
    if (!store_) {
        warn(QStringLiteral("Cannot read run %1").arg(id), QStringLiteral("no database open"));
        return std::nullopt;
    }
    try {
        store::RunReader reader(store_->connection(), store_->run(id));
        RunSeries series;
        series.runId = id;
        series.name = reader.run().name;
        reader.forEachStep([&](const StepTelemetry& t) {
            const StepSummary sum = summarize(t);
            series.steps.push_back(t.step);
            series.meanSkewness.push_back(sum.skewness);
            series.balancedness.push_back(sum.balancedness);
        });
        return series;
    } catch (const std::exception& e) {
        warn(QStringLiteral("Cannot read run %1").arg(id), QString::fromUtf8(e.what()));
        return std::nullopt;
    }
}

void ExperimentBrowser::showContextMenu(const QPoint& pos) {
    const int row = table_->rowAt(pos.y());
    if (row < 0) return;
    QTableWidgetItem* item = table_->item(row, IdColumn);
    if (!item) return;
    const int64_t id = item->data(Qt::DisplayRole).toLongLong();
    QMenu menu(this);
    menu.addAction(QStringLiteral("Open"), this, [this, id] { emit runOpened(id); });
    std::vector<int64_t> ids = selectedRunIds();
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids = {id};
    menu.addAction(QStringLiteral("Overlay in error and balance views"), this,
                   [this, ids] { emit overlayRequested(ids); });
    menu.addAction(QStringLiteral("Compare predictors and policies"), this,
                   [this, ids] { emit compareRequested(ids); });
    menu.addAction(QStringLiteral("Edit tags..."), this, [this, id] { editTagsInteractive(id); });
    menu.addAction(QStringLiteral("Edit notes..."), this, [this, id] { editNotesInteractive(id); });
    menu.addSeparator();
    menu.addAction(QStringLiteral("Delete..."), this, [this, id] { deleteRun(id); });
    menu.addAction(QStringLiteral("Refresh"), this, [this] { refresh(); });
    menu.exec(table_->viewport()->mapToGlobal(pos));
}

void ExperimentBrowser::editTagsInteractive(int64_t id) {
    const auto record = runRecord(id);
    if (!record) return;
    bool ok = false;
    const QString text = QInputDialog::getText(this, QStringLiteral("Tags of run %1").arg(id),
                                               QStringLiteral("Tags (comma or space separated):"),
                                               QLineEdit::Normal, joinTags(record->tags), &ok);
    if (!ok) return;
    const QStringList wanted = splitTags(text);
    QStringList current;
    for (const auto& t : record->tags) current << q(t);
    QStringList toRemove, toAdd;
    for (const QString& t : current)
        if (!wanted.contains(t)) toRemove << t;
    for (const QString& t : wanted)
        if (!current.contains(t)) toAdd << t;
    if (!toRemove.isEmpty() && !removeTags(id, toRemove)) return;
    if (!toAdd.isEmpty()) addTags(id, toAdd);
}

void ExperimentBrowser::editNotesInteractive(int64_t id) {
    const auto record = runRecord(id);
    if (!record) return;
    bool ok = false;
    const QString text =
        QInputDialog::getMultiLineText(this, QStringLiteral("Notes of run %1").arg(id),
                                       QStringLiteral("Notes:"), q(record->notes), &ok);
    if (ok) setNotes(id, text);
}

void ExperimentBrowser::deleteSelectedInteractive() {
    std::vector<int64_t> ids = selectedRunIds();
    if (ids.empty())
        if (int64_t id = currentRunId()) ids.push_back(id);
    for (int64_t id : ids)
        if (!deleteRun(id)) break;
}

}  // namespace moe::gui
