// See pickle.h. A stack machine over the opcodes of Python's pickletools, limited to values:
// the only callables it knows are the four torch.save uses to rebuild tensors and ordered
// dicts, and it applies them itself. Every read is bounds-checked against the input, every
// container's nesting is capped, so a corrupt or hostile file is an error, never a crash.
#include "core/imports/pickle.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cstdio>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "core/common/error.h"
#include "core/common/resource_limits.h"

namespace moe {

int64_t PickledTensor::elements() const {
    int64_t n = 1;
    for (int64_t d : shape)
        if (__builtin_mul_overflow(n, d, &n)) return INT64_MAX;  // hostile shapes saturate
    return n;
}

const PickleValue* PickleValue::find(const std::string& key) const {
    for (const auto& [k, v] : entries)
        if (k->kind == Kind::String && k->text == key) return v.get();
    return nullptr;
}

const char* PickleValue::kindName(Kind kind) {
    switch (kind) {
        case Kind::None:
            return "None";
        case Kind::Bool:
            return "bool";
        case Kind::Int:
            return "int";
        case Kind::Float:
            return "float";
        case Kind::String:
            return "string";
        case Kind::List:
            return "list";
        case Kind::Tuple:
            return "tuple";
        case Kind::Dict:
            return "dict";
        case Kind::Tensor:
            return "tensor";
        case Kind::Global:
            return "global";
        case Kind::Storage:
            return "storage";
    }
    return "?";
}

namespace {

constexpr int kMaxDepth = limits::kPickleNesting;  // torch dumps nest a handful

// torch's storage classes and the element each holds.
bool storageType(const std::string& global, std::string& dtype, int& size) {
    static const std::pair<const char*, std::pair<const char*, int>> kTypes[] = {
        {"torch.ByteStorage", {"uint8", 1}},        {"torch.CharStorage", {"int8", 1}},
        {"torch.ShortStorage", {"int16", 2}},       {"torch.IntStorage", {"int32", 4}},
        {"torch.LongStorage", {"int64", 8}},        {"torch.HalfStorage", {"float16", 2}},
        {"torch.BFloat16Storage", {"bfloat16", 2}}, {"torch.FloatStorage", {"float32", 4}},
        {"torch.DoubleStorage", {"float64", 8}},    {"torch.BoolStorage", {"bool", 1}},
    };
    for (const auto& [name, type] : kTypes)
        if (global == name) {
            dtype = type.first;
            size = type.second;
            return true;
        }
    return false;
}

bool knownGlobal(const std::string& g) {
    std::string dtype;
    int size = 0;
    return storageType(g, dtype, size) || g == "torch._utils._rebuild_tensor_v2" ||
           g == "torch._utils._rebuild_parameter" || g == "collections.OrderedDict";
}

class Unpickler {
public:
    Unpickler(std::span<const char> bytes, const std::string& where) : in_(bytes), where_(where) {}
    PickleRef run();

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw Error(where_ + ": byte " + std::to_string(opStart_) + ": " + what);
    }
    const char* take(size_t n) {
        if (n > in_.size() - pos_) fail("the pickle ends inside an opcode's argument");
        const char* p = in_.data() + pos_;
        pos_ += n;
        return p;
    }
    template <typename T>
    T little() {
        T v;
        static_assert(std::endian::native == std::endian::little, "pickles are little-endian");
        std::memcpy(&v, take(sizeof(T)), sizeof(T));
        return v;
    }
    std::string line();
    PickleRef make(PickleValue::Kind kind) {
        auto v = std::make_shared<PickleValue>();
        v->kind = kind;
        return v;
    }
    // An int of the BININT opcodes; 0..65535 (token ids, positions) shared, one object each:
    // a recording pickles hundreds of thousands of them. Values are never changed once made.
    PickleRef smallInt(int64_t value);
    static bool isScalar(PickleValue::Kind k) {
        using K = PickleValue::Kind;
        return k == K::None || k == K::Bool || k == K::Int || k == K::Float || k == K::String;
    }
    PickleRef pop();
    std::vector<PickleRef> popToMark();
    void push(PickleRef v) { stack_.push_back(std::move(v)); }
    void nest(PickleValue& container, const PickleRef& child);
    bool step(unsigned char op);
    bool scalar(unsigned char op);
    bool containers(unsigned char op);
    void tuple(unsigned char op);
    void append(unsigned char op);
    void setItems(unsigned char op);
    bool memo(unsigned char op);
    void pushText(size_t n, PickleValue::Kind kind = PickleValue::Kind::String);
    void pushLong(size_t n);
    void global(std::string module, std::string name);
    void reduce();
    void persistentId();
    PickleRef rebuildTensor(const std::vector<PickleRef>& args);

    std::span<const char> in_;
    std::string where_;
    size_t pos_ = 0, opStart_ = 0;
    std::vector<PickleRef> stack_;
    std::vector<size_t> marks_;
    std::unordered_map<uint64_t, PickleRef> memo_;
    std::unordered_map<const PickleValue*, int> depth_;
    std::unordered_set<const PickleValue*> sealed_;  // containers already inside another
    std::vector<PickleRef> smallInts_;               // smallInt's shared values, by value
};

PickleRef Unpickler::smallInt(int64_t value) {
    constexpr int64_t kShared = 65536;
    if (value < 0 || value >= kShared) {
        auto v = make(PickleValue::Kind::Int);
        v->integer = value;
        return v;
    }
    const auto at = static_cast<size_t>(value);
    if (at >= smallInts_.size()) smallInts_.resize(std::max(at + 1, smallInts_.size() * 2));
    PickleRef& shared = smallInts_[at];
    if (!shared) {
        shared = make(PickleValue::Kind::Int);
        shared->integer = value;
    }
    return shared;
}

std::string Unpickler::line() {
    const char* start = in_.data() + pos_;
    const void* nl = std::memchr(start, '\n', in_.size() - pos_);
    if (!nl) fail("a GLOBAL's name has no end of line");
    const size_t n = static_cast<const char*>(nl) - start;
    pos_ += n + 1;
    return std::string(start, n);
}

PickleRef Unpickler::pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back()))
        fail("the pickle pops an empty stack");
    PickleRef v = std::move(stack_.back());
    stack_.pop_back();
    return v;
}

std::vector<PickleRef> Unpickler::popToMark() {
    if (marks_.empty()) fail("the pickle closes a MARK it never opened");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<PickleRef> items(std::make_move_iterator(stack_.begin() + mark),
                                 std::make_move_iterator(stack_.end()));
    stack_.resize(mark);
    return items;
}

// A child is complete when it goes into a container (the pickler writes every item before the
// opcode that adds it), so from then on it is sealed: adding to it later is refused. That is
// what makes cycles impossible (a list appended to itself through the memo would otherwise be a
// ring of shared_ptrs that is never freed) and keeps every depth below final.
void Unpickler::nest(PickleValue& container, const PickleRef& child) {
    if (child.get() == &container) fail("a container holding itself");
    if (isScalar(child->kind)) {  // holds nothing: no seal to keep, depth 0 (most items: ids)
        int& mine = depth_[&container];
        mine = std::max(mine, 1);
        return;
    }
    sealed_.insert(child.get());
    const auto it = depth_.find(child.get());
    const int d = (it == depth_.end() ? 0 : it->second) + 1;
    int& mine = depth_[&container];
    if (d > mine) mine = d;
    if (mine > kMaxDepth)
        fail("containers nested more than " + std::to_string(kMaxDepth) + " deep");
}

void Unpickler::pushText(size_t n, PickleValue::Kind kind) {
    auto v = make(kind);
    const char* p = take(n);
    v->text.assign(p, n);
    push(std::move(v));
}

void Unpickler::pushLong(size_t n) {
    if (n > 8) fail("an integer of " + std::to_string(n) + " bytes does not fit 64 bits");
    const char* p = take(n);
    uint64_t u = 0;
    for (size_t i = 0; i < n; ++i)
        u |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    if (n > 0 && n < 8 && (static_cast<unsigned char>(p[n - 1]) & 0x80)) u |= ~0ull << (8 * n);
    auto v = make(PickleValue::Kind::Int);
    v->integer = static_cast<int64_t>(u);
    push(std::move(v));
}

bool Unpickler::scalar(unsigned char op) {
    using K = PickleValue::Kind;
    switch (op) {
        case 'N':
            push(make(K::None));
            return true;
        case 0x88:
        case 0x89: {
            auto v = make(K::Bool);
            v->boolean = op == 0x88;
            push(std::move(v));
            return true;
        }
        case 'K':
        case 'M':
        case 'J':
            push(smallInt(op == 'K'   ? little<uint8_t>()
                          : op == 'M' ? little<uint16_t>()
                                      : little<int32_t>()));
            return true;
        case 0x8a:
            pushLong(little<uint8_t>());
            return true;
        case 0x8b:
            pushLong(little<uint32_t>());
            return true;
        case 'G': {
            uint64_t bits = 0;
            const char* p = take(8);
            for (int i = 0; i < 8; ++i) bits = bits << 8 | static_cast<unsigned char>(p[i]);
            auto v = make(K::Float);
            v->number = std::bit_cast<double>(bits);  // BINFLOAT is big-endian
            push(std::move(v));
            return true;
        }
        case 'X':
        case 'T':
        case 'B':
            pushText(little<uint32_t>());
            return true;
        case 0x8c:
        case 'U':
        case 'C':
            pushText(little<uint8_t>());
            return true;
        case 0x8d:
        case 0x8e:
            pushText(little<uint64_t>());
            return true;
    }
    return false;
}

void Unpickler::tuple(unsigned char op) {
    auto v = make(PickleValue::Kind::Tuple);
    if (op == 't') {
        v->items = popToMark();
    } else {
        v->items.resize(op - 0x84);
        for (size_t i = v->items.size(); i-- > 0;) v->items[i] = pop();
    }
    for (const auto& item : v->items) nest(*v, item);
    push(std::move(v));
}

void Unpickler::append(unsigned char op) {
    std::vector<PickleRef> items;
    if (op == 'a')
        items.push_back(pop());
    else
        items = popToMark();
    const PickleRef list = pop();
    if (list->kind != PickleValue::Kind::List)
        fail("APPEND to a " + std::string(PickleValue::kindName(list->kind)));
    if (sealed_.count(list.get()))
        fail("APPEND to a list already inside another container (a cycle?)");
    for (auto& item : items) {
        nest(*list, item);
        list->items.push_back(std::move(item));
    }
    push(list);
}

void Unpickler::setItems(unsigned char op) {
    std::vector<PickleRef> kv;
    if (op == 's') {
        kv.resize(2);
        kv[1] = pop();
        kv[0] = pop();
    } else {
        kv = popToMark();
    }
    if (kv.size() % 2) fail("SETITEMS with a key and no value");
    const PickleRef dict = pop();
    if (dict->kind != PickleValue::Kind::Dict)
        fail("SETITEM on a " + std::string(PickleValue::kindName(dict->kind)));
    if (sealed_.count(dict.get()))
        fail("SETITEM on a dict already inside another container (a cycle?)");
    for (size_t i = 0; i < kv.size(); i += 2) {
        // Keys too: Python never pickles a container as a key, but a hostile pickle can, and a
        // dict keyed by itself was a reference cycle that leaked (fuzz_torch_file found it).
        nest(*dict, kv[i]);
        nest(*dict, kv[i + 1]);
        dict->entries.emplace_back(kv[i], kv[i + 1]);
    }
    push(dict);
}

bool Unpickler::containers(unsigned char op) {
    using K = PickleValue::Kind;
    switch (op) {
        case '}':
            push(make(K::Dict));
            return true;
        case ']':
            push(make(K::List));
            return true;
        case ')':
            push(make(K::Tuple));
            return true;
        case '(':
            marks_.push_back(stack_.size());
            return true;
        case 't':
        case 0x85:
        case 0x86:
        case 0x87:
            tuple(op);
            return true;
        case 'a':
        case 'e':
            append(op);
            return true;
        case 's':
        case 'u':
            setItems(op);
            return true;
    }
    return false;
}

bool Unpickler::memo(unsigned char op) {
    switch (op) {
        case 'q':
        case 'r':
        case 0x94: {
            if (stack_.empty()) fail("memoizing an empty stack");
            const uint64_t key = op == 'q'   ? little<uint8_t>()
                                 : op == 'r' ? little<uint32_t>()
                                             : memo_.size();
            memo_[key] = stack_.back();
            return true;
        }
        case 'h':
        case 'j': {
            const uint64_t key = op == 'h' ? little<uint8_t>() : little<uint32_t>();
            const auto it = memo_.find(key);
            if (it == memo_.end()) fail("memo entry " + std::to_string(key) + " was never stored");
            push(it->second);
            return true;
        }
    }
    return false;
}

void Unpickler::global(std::string module, std::string name) {
    if (module == "__builtin__") module = "builtins";
    const std::string full = module + "." + name;
    if (!knownGlobal(full))
        fail("unsupported construct '" + full +
             "' (this reader takes dicts, lists, tuples, numbers, strings, None and tensors)");
    auto v = make(PickleValue::Kind::Global);
    v->text = full;
    push(std::move(v));
}

PickleRef Unpickler::rebuildTensor(const std::vector<PickleRef>& args) {
    using K = PickleValue::Kind;
    if (args.size() < 4 || args[0]->kind != K::Storage || args[1]->kind != K::Int ||
        args[2]->kind != K::Tuple || args[3]->kind != K::Tuple)
        fail("_rebuild_tensor_v2 without (storage, offset, size, stride)");
    auto t = std::make_shared<PickledTensor>(*args[0]->tensor);
    t->offset = args[1]->integer;
    for (int dim = 2; dim <= 3; ++dim)
        for (const auto& d : args[dim]->items) {
            if (d->kind != K::Int || d->integer < 0) fail("a tensor size or stride is not a count");
            (dim == 2 ? t->shape : t->stride).push_back(d->integer);
        }
    if (t->shape.size() != t->stride.size()) fail("a tensor's size and stride differ in rank");
    auto v = make(K::Tensor);
    v->tensor = std::move(t);
    return v;
}

void Unpickler::reduce() {
    using K = PickleValue::Kind;
    const PickleRef args = pop();
    const PickleRef callable = pop();
    if (callable->kind != K::Global || args->kind != K::Tuple)
        fail("REDUCE of something not callable");
    const std::string& f = callable->text;
    if (f == "collections.OrderedDict") {
        push(make(K::Dict));
    } else if (f == "torch._utils._rebuild_tensor_v2") {
        push(rebuildTensor(args->items));
    } else if (f == "torch._utils._rebuild_parameter" && !args->items.empty() &&
               args->items[0]->kind == K::Tensor) {
        push(args->items[0]);
    } else {
        fail("unsupported construct '" + f + "' (REDUCE)");
    }
}

void Unpickler::persistentId() {
    using K = PickleValue::Kind;
    const PickleRef pid = pop();
    const auto& f = pid->items;
    if (pid->kind != K::Tuple || f.size() < 5 || f[0]->kind != K::String ||
        f[0]->text != "storage" || f[1]->kind != K::Global || f[2]->kind != K::String ||
        f[4]->kind != K::Int || f[4]->integer < 0)
        fail("a persistent id that is not a torch storage");
    auto t = std::make_shared<PickledTensor>();
    if (!storageType(f[1]->text, t->dtype, t->elementSize))
        fail("storage of unsupported type '" + f[1]->text + "'");
    t->storageKey = f[2]->text;
    t->storageSize = f[4]->integer;
    auto v = make(K::Storage);
    v->tensor = std::move(t);
    push(std::move(v));
}

bool Unpickler::step(unsigned char op) {
    if (scalar(op) || containers(op) || memo(op)) return true;
    switch (op) {
        case 0x80:
            take(1);
            return true;  // PROTO
        case 0x95:
            take(8);
            return true;  // FRAME: a length hint only
        case 'c': {
            std::string module = line();
            global(std::move(module), line());
            return true;
        }
        case 0x93: {
            const PickleRef name = pop(), module = pop();
            if (name->kind != PickleValue::Kind::String ||
                module->kind != PickleValue::Kind::String)
                fail("STACK_GLOBAL without a module and a name");
            global(module->text, name->text);
            return true;
        }
        case 'R':
            reduce();
            return true;
        case 'Q':
            persistentId();
            return true;
        case '.':
            return false;
    }
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", op);
    fail(std::string("unsupported pickle opcode ") + hex);
}

PickleRef Unpickler::run() {
    while (true) {
        opStart_ = pos_;
        if (pos_ >= in_.size()) fail("the pickle ends without STOP");
        const auto op = static_cast<unsigned char>(in_[pos_++]);
        if (!step(op)) break;
    }
    if (stack_.size() != 1 || !marks_.empty())
        fail("STOP leaves " + std::to_string(stack_.size()) + " values");
    return stack_.back();
}

}  // namespace

PickleRef unpickle(std::span<const char> bytes, const std::string& where) {
    return Unpickler(bytes, where).run();
}

}  // namespace moe
