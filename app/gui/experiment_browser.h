// Experiment browser: lists the runs of an experiment database (sortable table: id, name,
// status, created, workload, steps, tags), filters them by a search over name, workload and
// tags, edits tags and notes, deletes after a confirmation and emits runOpened() on a
// double-click. Reads through core/store on a connection of its own, so browsing is safe while
// a recorder writes (WAL). Every store error becomes a warning box, never a crash; the
// confirmation and the warning are injectable so tests run without a user.
#pragma once

#include <QString>
#include <QStringList>
#include <QWidget>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/store/store_records.h"

class QHBoxLayout;
class QLineEdit;
class QTableWidget;
class QLabel;

namespace moe::store {
class ExperimentStore;
}

namespace moe::gui {

// Per-step summary of one stored run, for overlaying several runs in one plot.
struct RunSeries {
    int64_t runId = 0;
    std::string name;
    std::vector<int64_t> steps;        // ascending
    std::vector<double> meanSkewness;  // per step: mean over layers of max/mean expert load
    std::vector<double> balancedness;  // per step: mean over layers of mean/max rank rows
};

// Writes a stored run's records (loads, ranks, predictions, decisions) as CSV or JSON through
// core/store's exporter. `what` and `format` use the CLI's names ("loads", "csv", ...).
// Returns the number of records written, or -1 with a reason in `*error`. Never throws.
int64_t exportRunRecords(const QString& dbPath, int64_t runId, const QString& what,
                         const QString& format, const QString& outPath, QString* error);

class ExperimentBrowser : public QWidget {
    Q_OBJECT
public:
    // Asked before deleting; returns whether to go on. Default: QMessageBox::question.
    using ConfirmHandler = std::function<bool(const QString& title, const QString& text)>;
    // Shows an error. Default: QMessageBox::warning.
    using WarningHandler = std::function<void(const QString& title, const QString& text)>;

    enum Column {
        IdColumn,
        NameColumn,
        StatusColumn,
        CreatedColumn,
        WorkloadColumn,
        StepsColumn,
        TagsColumn,
        ColumnCount
    };

    // Opens nothing yet: set the handlers, then openDatabase() or openDefaultDatabase().
    explicit ExperimentBrowser(QWidget* parent = nullptr);
    // Opens `dbPath`, or the default database (core/store/store_paths.h) when empty. A path
    // that cannot be opened leaves the browser empty with a warning (a message box: use the
    // other constructor where the warning must be intercepted).
    explicit ExperimentBrowser(const QString& dbPath, QWidget* parent = nullptr);
    ~ExperimentBrowser() override;

    void setConfirmHandler(ConfirmHandler handler);
    void setWarningHandler(WarningHandler handler);

    // Opens another database; false (with a warning) when it cannot be opened.
    bool openDatabase(const QString& path);
    // Opens core/store's default database ($MOE_DB, else the XDG data folder).
    bool openDefaultDatabase();
    QString databasePath() const { return path_; }
    bool isOpen() const { return store_ != nullptr; }

    // Re-reads the run list (keeps the search text). False with a warning on a store error.
    bool refresh();

    void setSearchText(const QString& text);
    QString searchText() const;

    QTableWidget* table() const { return table_; }
    int visibleRunCount() const;                 // rows not hidden by the search
    std::vector<int64_t> visibleRunIds() const;  // in the table's current order
    std::vector<int64_t> selectedRunIds() const;
    // The run as last read by refresh(), when listed.
    std::optional<store::RunRecord> runRecord(int64_t id) const;

    // Each edits the store, then refreshes. False (with a warning) on a store error.
    bool addTags(int64_t id, const QStringList& tags);
    bool removeTags(int64_t id, const QStringList& tags);
    bool setNotes(int64_t id, const QString& notes);
    // Asks the confirmation handler first; false when declined or on a store error.
    bool deleteRun(int64_t id);

    // Per-step mean skewness and balancedness of a run; nullopt (with a warning) on an
    // unknown id or a damaged run.
    std::optional<RunSeries> readSeries(int64_t id);

signals:
    void runOpened(int64_t runId);
    void rerunRequested(int64_t runId);
    void runsChanged();
    void overlayRequested(std::vector<int64_t> runIds);
    void compareRequested(std::vector<int64_t> runIds);

private:
    void warn(const QString& title, const QString& text);
    void applyFilter();
    // Open, Re-run, Overlay, Compare, Tags, Notes, Delete: each acting on the selection.
    QHBoxLayout* buildActionButtons();
    void populate();
    void showContextMenu(const QPoint& pos);
    void editTagsInteractive(int64_t id);
    void editNotesInteractive(int64_t id);
    void deleteSelectedInteractive();
    int64_t currentRunId() const;

    QString path_;
    std::unique_ptr<store::ExperimentStore> store_;
    std::vector<store::RunRecord> runs_;
    QLineEdit* search_;
    QTableWidget* table_;
    QLabel* status_;
    ConfirmHandler confirm_;
    WarningHandler warning_;
};

}  // namespace moe::gui
