// A plain mixed-integer linear program and a small RAII wrapper that solves it with COIN-OR CBC
// to a gap and a time limit, for MoETuner's placement ILPs (methods.md section 3). Nothing else
// in the project sees CBC's headers: this is the one seam where the solver could be swapped.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace moe {

// min cost . x  subject to  rowLower <= A x <= rowUpper,  colLower <= x <= colUpper,
// some x integer. A is given as (row, column, value) triplets; repeated pairs add up.
struct MilpProblem {
    struct Column {
        double lower = 0, upper = 1, cost = 0;
        bool integer = false;
    };
    struct Row {
        double lower = 0, upper = 0;
    };
    struct Entry {
        int row = 0, col = 0;
        double value = 0;
    };
    static constexpr double kInf = 1e30;  // CBC's infinity

    std::vector<Column> columns;
    std::vector<Row> rows;
    std::vector<Entry> entries;
    // Optional warm start: a feasible value for every integer column (others are ignored and
    // recomputed by CBC); empty = none.
    std::vector<double> start;

    int addColumn(double lower, double upper, double cost, bool integer);
    int addRow(double lower, double upper);
    void add(int row, int col, double value) { entries.push_back({row, col, value}); }
};

struct MilpOptions {
    double relativeGap = 0.025;    // stop at (objective - bound) <= gap * |objective| (paper: 2.5%)
    double absoluteGap = 0;        // also stop at (objective - bound) <= this; 0 = off
    double timeLimitSeconds = 10;  // wall clock
    int threads = 1;   // more only helps where CBC was built with threads (Debian's is not)
    bool log = false;  // CBC's own progress lines on stdout
};

enum class MilpStatus {
    Optimal,     // proven optimal
    GapReached,  // stopped within the relative or absolute gap
    TimeLimit,   // stopped on time with a feasible solution (see gap)
    TimeLimitNoSolution,
    Infeasible,
    Failed,  // numerical trouble or an unbounded relaxation
};

std::string toString(MilpStatus status);

struct MilpSolution {
    MilpStatus status = MilpStatus::Failed;
    std::vector<double> values;  // one per column; empty without a feasible solution
    double objective = 0;
    double bestBound = 0;  // proven lower bound on the optimum
    double gap = 0;        // (objective - bestBound) / max(|objective|, 1e-9), 0 when optimal
    double seconds = 0;    // wall clock of the solve
    int nodes = 0;         // branch-and-bound nodes

    bool feasible() const { return !values.empty(); }
};

// Owns one CBC model loaded with a problem. Not copyable. Solves are serialised process-wide:
// CBC 2.10's driver (CbcMain1, behind Cbc_solve) keeps static state and is not re-entrant.
class CbcMilp {
public:
    // Throws moe::Error on a malformed problem (an entry outside the rows or columns, a bound
    // pair with lower > upper, a start of the wrong size).
    explicit CbcMilp(const MilpProblem& problem);
    ~CbcMilp();
    CbcMilp(const CbcMilp&) = delete;
    CbcMilp& operator=(const CbcMilp&) = delete;

    // One solve per model: CBC's preprocessing changes the model it solves.
    MilpSolution solve(const MilpOptions& options);

private:
    struct Handle;
    std::unique_ptr<Handle> handle_;
    std::vector<int> integerCols_;
    std::vector<double> start_;
    bool solved_ = false;
};

// Loads and solves in one call.
MilpSolution solveMilp(const MilpProblem& problem, const MilpOptions& options = {});

}  // namespace moe
