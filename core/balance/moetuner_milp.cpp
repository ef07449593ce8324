// See moetuner_milp.h. CBC through its C API (Cbc_C_Interface.h) rather than the C++ CbcModel:
// Cbc_solve runs the same driver as the `cbc` command line (preprocessing, the default cut
// generators and heuristics, gap and time stopping rules by their command-line names), which a
// bare CbcModel::branchAndBound would need many lines of set-up to match, and the C surface is
// the part of CBC that stays stable across releases.
#include "core/balance/moetuner_milp.h"

#include <coin/Cbc_C_Interface.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <numeric>

#include "core/common/error.h"

namespace moe {

struct CbcMilp::Handle {
    Cbc_Model* model = nullptr;
    Handle() : model(Cbc_newModel()) {
        if (!model) throw Error("CBC: cannot create a model");
    }
    ~Handle() { Cbc_deleteModel(model); }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
};

int MilpProblem::addColumn(double lower, double upper, double cost, bool integer) {
    columns.push_back({lower, upper, cost, integer});
    return static_cast<int>(columns.size()) - 1;
}

int MilpProblem::addRow(double lower, double upper) {
    rows.push_back({lower, upper});
    return static_cast<int>(rows.size()) - 1;
}

std::string toString(MilpStatus status) {
    switch (status) {
        case MilpStatus::Optimal:
            return "optimal";
        case MilpStatus::GapReached:
            return "gap reached";
        case MilpStatus::TimeLimit:
            return "time limit";
        case MilpStatus::TimeLimitNoSolution:
            return "time limit, no solution";
        case MilpStatus::Infeasible:
            return "infeasible";
        case MilpStatus::Failed:
            return "failed";
    }
    return "?";
}

namespace {

void checkProblem(const MilpProblem& p) {
    const int nc = static_cast<int>(p.columns.size()), nr = static_cast<int>(p.rows.size());
    for (const auto& c : p.columns)
        if (!(c.lower <= c.upper) || !std::isfinite(c.cost))
            throw Error("MILP: a column has lower > upper or a non-finite cost");
    for (const auto& r : p.rows)
        if (!(r.lower <= r.upper)) throw Error("MILP: a row has lower > upper");
    for (const auto& e : p.entries)
        if (e.row < 0 || e.row >= nr || e.col < 0 || e.col >= nc || !std::isfinite(e.value))
            throw Error("MILP: an entry lies outside the problem or is not finite");
    if (!p.start.empty() && p.start.size() != p.columns.size())
        throw Error("MILP: the start must give one value per column");
}

// Compressed sparse columns, as Cbc_loadProblem takes them; repeated (row, col) pairs summed.
struct Csc {
    std::vector<CoinBigIndex> start;
    std::vector<int> index;
    std::vector<double> value;
};

Csc toCsc(const MilpProblem& p) {
    std::vector<MilpProblem::Entry> es = p.entries;
    std::sort(es.begin(), es.end(), [](const auto& a, const auto& b) {
        return a.col != b.col ? a.col < b.col : a.row < b.row;
    });
    Csc m;
    m.start.assign(p.columns.size() + 1, 0);
    for (size_t i = 0; i < es.size(); ++i) {
        if (!m.index.empty() && i > 0 && es[i].col == es[i - 1].col && es[i].row == es[i - 1].row) {
            m.value.back() += es[i].value;
            continue;
        }
        m.index.push_back(es[i].row);
        m.value.push_back(es[i].value);
        ++m.start[es[i].col + 1];
    }
    std::partial_sum(m.start.begin(), m.start.end(), m.start.begin());
    return m;
}

// Cbc_solve's driver is not re-entrant (see the header).
std::mutex& solveMutex() {
    static std::mutex m;
    return m;
}

MilpStatus classify(Cbc_Model* m, bool feasible, double gap, const MilpOptions& o, double abs) {
    if (!feasible) {
        if (Cbc_isProvenInfeasible(m)) return MilpStatus::Infeasible;
        if (Cbc_isSecondsLimitReached(m) || Cbc_secondaryStatus(m) == 4)
            return MilpStatus::TimeLimitNoSolution;
        return MilpStatus::Failed;
    }
    const int secondary = Cbc_secondaryStatus(m);
    if (Cbc_isProvenOptimal(m) && secondary == 0) return MilpStatus::Optimal;
    if (secondary == 2 || gap <= o.relativeGap || (o.absoluteGap > 0 && abs <= o.absoluteGap))
        return MilpStatus::GapReached;
    return MilpStatus::TimeLimit;
}

}  // namespace

CbcMilp::CbcMilp(const MilpProblem& problem) {
    checkProblem(problem);
    handle_ = std::make_unique<Handle>();
    const size_t nc = problem.columns.size(), nr = problem.rows.size();
    std::vector<double> cl(nc), cu(nc), obj(nc), rl(nr), ru(nr);
    for (size_t j = 0; j < nc; ++j) {
        cl[j] = problem.columns[j].lower;
        cu[j] = problem.columns[j].upper;
        obj[j] = problem.columns[j].cost;
    }
    for (size_t i = 0; i < nr; ++i) {
        rl[i] = problem.rows[i].lower;
        ru[i] = problem.rows[i].upper;
    }
    const Csc a = toCsc(problem);
    Cbc_loadProblem(handle_->model, static_cast<int>(nc), static_cast<int>(nr), a.start.data(),
                    a.index.data(), a.value.data(), cl.data(), cu.data(), obj.data(), rl.data(),
                    ru.data());
    for (size_t j = 0; j < nc; ++j)
        if (problem.columns[j].integer) {
            Cbc_setInteger(handle_->model, static_cast<int>(j));
            integerCols_.push_back(static_cast<int>(j));
        }
    start_ = problem.start;
}

CbcMilp::~CbcMilp() = default;

MilpSolution CbcMilp::solve(const MilpOptions& o) {
    if (solved_) throw Error("MILP: a CbcMilp model solves once; load the problem again");
    solved_ = true;
    Cbc_Model* m = handle_->model;
    const auto num = [](double v) {  // std::to_string keeps 6 decimals: 1e-8 would be 0
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", v);
        return std::string(buf);
    };
    Cbc_setLogLevel(m, o.log ? 1 : 0);  // also quiets Clp when there is no integer column
    Cbc_setParameter(m, "log", o.log ? "1" : "0");
    Cbc_setParameter(m, "ratioGap", num(std::max(0.0, o.relativeGap)).c_str());
    if (o.absoluteGap > 0) Cbc_setParameter(m, "allowableGap", num(o.absoluteGap).c_str());
    Cbc_setParameter(m, "seconds", num(std::max(0.01, o.timeLimitSeconds)).c_str());
    Cbc_setParameter(m, "timeMode", "elapsed");  // the default counts CPU seconds
    Cbc_setParameter(m, "threads", std::to_string(std::max(1, o.threads)).c_str());
    if (!start_.empty()) {
        // Only the integer columns: CBC recomputes the continuous ones with them fixed.
        std::vector<int> idx;
        std::vector<double> val;
        for (int j : integerCols_)
            if (start_[j] != 0) {
                idx.push_back(j);
                val.push_back(start_[j]);
            }
        Cbc_setMIPStartI(m, static_cast<int>(idx.size()), idx.data(), val.data());
    }
    MilpSolution s;
    const auto t0 = std::chrono::steady_clock::now();
    {
        std::lock_guard<std::mutex> lock(solveMutex());
        Cbc_solve(m);
    }
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    s.nodes = Cbc_getNodeCount(m);
    // Without integer columns Cbc_solve only solves the LP and keeps no "best solution".
    const bool feasible =
        Cbc_bestSolution(m) != nullptr || (integerCols_.empty() && Cbc_isProvenOptimal(m) != 0);
    double absGap = 0;
    if (feasible) {
        const double* x = Cbc_getColSolution(m);
        s.values.assign(x, x + Cbc_getNumCols(m));
        s.objective = Cbc_getObjValue(m);
        // CBC's bound can sit a rounding error above the incumbent.
        s.bestBound = std::min(Cbc_getBestPossibleObjValue(m), s.objective);
        absGap = s.objective - s.bestBound;
        s.gap = absGap / std::max(std::fabs(s.objective), 1e-9);
    }
    s.status = classify(m, feasible, s.gap, o, absGap);
    if (s.status == MilpStatus::Optimal) s.bestBound = s.objective, s.gap = 0;
    return s;
}

MilpSolution solveMilp(const MilpProblem& problem, const MilpOptions& options) {
    CbcMilp milp(problem);
    return milp.solve(options);
}

}  // namespace moe
