// See nccl_communicator.h. Every NCCL and CUDA call is checked (CudaError with the call and
// file:line). All-to-all(v) is one NCCL group of point-to-point sends and receives, so NCCL
// schedules all pairs at once over NVLink / the network.
#include "gpu/nccl_communicator.h"

#include <nccl.h>

#include <filesystem>
#include <source_location>
#include <string>

#include "core/comm/abortable_barrier.h"
#include "gpu/cuda_check.h"

namespace moe::gpu {
namespace {

void checkNccl(ncclResult_t r, const char* call,
               std::source_location at = std::source_location::current()) {
    if (r == ncclSuccess) return;
    throw CudaError(std::string("NCCL: ") + call + " failed: " + ncclGetErrorString(r) + " (" +
                        std::filesystem::path(at.file_name()).filename().string() + ":" +
                        std::to_string(at.line()) + ")",
                    CudaError::Kind::Fault, at);
}

#define MOE_NCCL(call) checkNccl((call), #call)

}  // namespace

struct NcclCommunicator::Impl {
    ncclComm_t comm = nullptr;
    cudaStream_t stream = nullptr;
    int device = 0, rank = 0, size = 1;
    bool verify = true, aborted = false;
    void* scratch = nullptr;  // small device scratch for counts and barrier
    size_t scratchBytes = 0;

    void* small(size_t bytes) {
        if (bytes > scratchBytes) {
            if (scratch) MOE_CUDA(cudaFree(scratch));
            scratch = nullptr;
            MOE_CUDA(cudaMalloc(&scratch, bytes));
            scratchBytes = bytes;
        }
        return scratch;
    }
    void use() const {
        if (aborted) throw PeerFailure();
        MOE_CUDA(cudaSetDevice(device));
    }
    void sync() const { MOE_CUDA(cudaStreamSynchronize(stream)); }
};

NcclCommunicator::NcclCommunicator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

NcclCommunicator::~NcclCommunicator() {  // unchecked: destructors must not throw
    cudaSetDevice(impl_->device);
    if (impl_->stream) cudaStreamSynchronize(impl_->stream);
    if (impl_->comm && !impl_->aborted) ncclCommDestroy(impl_->comm);
    if (impl_->scratch) cudaFree(impl_->scratch);
    if (impl_->stream) cudaStreamDestroy(impl_->stream);
}

std::unique_ptr<NcclCommunicator> NcclCommunicator::create(Communicator& bootstrap, int device) {
    auto impl = std::make_unique<Impl>();
    impl->device = device;
    impl->rank = bootstrap.rank();
    impl->size = bootstrap.size();
    // The root's result travels with the id: were it to throw alone, the others would wait in
    // the broadcast for ever; this way every rank fails at the same point with the same reason.
    struct {
        ncclUniqueId id;
        int32_t result;
    } root{};
    if (impl->rank == 0) root.result = ncclGetUniqueId(&root.id);
    bootstrap.broadcast(&root, sizeof root, 0);
    checkNccl(static_cast<ncclResult_t>(root.result), "ncclGetUniqueId (on rank 0)");
    MOE_CUDA(cudaSetDevice(device));
    MOE_CUDA(cudaStreamCreateWithFlags(&impl->stream, cudaStreamNonBlocking));
    MOE_NCCL(ncclCommInitRank(&impl->comm, impl->size, root.id, impl->rank));
    return std::unique_ptr<NcclCommunicator>(new NcclCommunicator(std::move(impl)));
}

std::vector<std::unique_ptr<NcclCommunicator>> NcclCommunicator::createAll(
    const std::vector<int>& devices) {
    const int n = static_cast<int>(devices.size());
    std::vector<ncclComm_t> comms(n);
    MOE_NCCL(ncclCommInitAll(comms.data(), n, devices.data()));
    std::vector<std::unique_ptr<NcclCommunicator>> out;
    for (int r = 0; r < n; ++r) {
        auto impl = std::make_unique<Impl>();
        impl->comm = comms[r];
        impl->device = devices[r];
        impl->rank = r;
        impl->size = n;
        MOE_CUDA(cudaSetDevice(devices[r]));
        MOE_CUDA(cudaStreamCreateWithFlags(&impl->stream, cudaStreamNonBlocking));
        out.push_back(std::unique_ptr<NcclCommunicator>(new NcclCommunicator(std::move(impl))));
    }
    return out;
}

int NcclCommunicator::rank() const { return impl_->rank; }
int NcclCommunicator::size() const { return impl_->size; }
int NcclCommunicator::device() const { return impl_->device; }
void NcclCommunicator::setVerifySizes(bool on) { impl_->verify = on; }

void NcclCommunicator::allToAllV(const void* send, std::span<const size_t> sendBytes, void* recv,
                                 std::span<const size_t> recvBytes) {
    auto& m = *impl_;
    m.use();
    const int G = m.size;
    if (static_cast<int>(sendBytes.size()) != G || static_cast<int>(recvBytes.size()) != G)
        throw Error("allToAllV: counts must have one entry per rank");
    if (m.verify) {
        // What each peer will send me, against what I expect: a mismatch would corrupt rows.
        auto* counts =
            static_cast<unsigned long long*>(m.small(2 * G * sizeof(unsigned long long)));
        std::vector<unsigned long long> mine(sendBytes.begin(), sendBytes.end()), theirs(G);
        MOE_CUDA(cudaMemcpyAsync(counts, mine.data(), G * sizeof(unsigned long long),
                                 cudaMemcpyHostToDevice, m.stream));
        allToAll(counts, sizeof(unsigned long long), counts + G);
        MOE_CUDA(cudaMemcpy(theirs.data(), counts + G, G * sizeof(unsigned long long),
                            cudaMemcpyDeviceToHost));
        for (int s = 0; s < G; ++s)
            if (theirs[s] != recvBytes[s])
                throw Error("allToAllV: rank " + std::to_string(s) + " sends " +
                            std::to_string(theirs[s]) + " bytes to rank " + std::to_string(m.rank) +
                            ", which expects " + std::to_string(recvBytes[s]));
    }
    const auto* in = static_cast<const char*>(send);
    auto* out = static_cast<char*>(recv);
    size_t so = 0, ro = 0;
    MOE_NCCL(ncclGroupStart());
    for (int r = 0; r < G; ++r) {
        if (sendBytes[r]) MOE_NCCL(ncclSend(in + so, sendBytes[r], ncclInt8, r, m.comm, m.stream));
        if (recvBytes[r]) MOE_NCCL(ncclRecv(out + ro, recvBytes[r], ncclInt8, r, m.comm, m.stream));
        so += sendBytes[r];
        ro += recvBytes[r];
    }
    MOE_NCCL(ncclGroupEnd());
    m.sync();
}

void NcclCommunicator::allToAll(const void* send, size_t blockBytes, void* recv) {
    auto& m = *impl_;
    m.use();
    MOE_NCCL(ncclGroupStart());
    for (int r = 0; r < m.size; ++r) {
        MOE_NCCL(ncclSend(static_cast<const char*>(send) + r * blockBytes, blockBytes, ncclInt8, r,
                          m.comm, m.stream));
        MOE_NCCL(ncclRecv(static_cast<char*>(recv) + r * blockBytes, blockBytes, ncclInt8, r,
                          m.comm, m.stream));
    }
    MOE_NCCL(ncclGroupEnd());
    m.sync();
}

void NcclCommunicator::allGather(const void* send, size_t bytes, void* recv) {
    auto& m = *impl_;
    m.use();
    MOE_NCCL(ncclAllGather(send, recv, bytes, ncclInt8, m.comm, m.stream));
    m.sync();
}

void NcclCommunicator::allReduceSum(std::span<double> data) {
    auto& m = *impl_;
    m.use();
    // An all-gather and a sum in rank order: the same bits on every rank, as the CPU ranks.
    const size_t n = data.size();
    auto* dev = static_cast<double*>(m.small((1 + m.size) * n * sizeof(double) + 8));
    MOE_CUDA(
        cudaMemcpyAsync(dev, data.data(), n * sizeof(double), cudaMemcpyHostToDevice, m.stream));
    MOE_NCCL(ncclAllGather(dev, dev + n, n, ncclDouble, m.comm, m.stream));
    std::vector<double> all(m.size * n);
    MOE_CUDA(cudaMemcpyAsync(all.data(), dev + n, all.size() * sizeof(double),
                             cudaMemcpyDeviceToHost, m.stream));
    m.sync();
    for (size_t i = 0; i < n; ++i) {
        double sum = 0;
        for (int s = 0; s < m.size; ++s) sum += all[s * n + i];
        data[i] = sum;
    }
}

void NcclCommunicator::broadcast(void* data, size_t bytes, int root) {
    auto& m = *impl_;
    m.use();
    MOE_NCCL(ncclBroadcast(data, data, bytes, ncclInt8, root, m.comm, m.stream));
    m.sync();
}

void NcclCommunicator::allToAllRowsKeepingSend(const void*, RowList, void*, RowList, size_t) {
    throw Error(
        "allToAllRows is not available on NCCL ranks: their buffers are device memory (the "
        "device-resident layer permutes rows on the GPU and calls allToAllV)");
}

void NcclCommunicator::barrier() {
    auto& m = *impl_;
    m.use();
    auto* one = static_cast<int*>(m.small(sizeof(int)));
    MOE_NCCL(ncclAllReduce(one, one, 1, ncclInt32, ncclSum, m.comm, m.stream));
    m.sync();
}

void NcclCommunicator::abort() {
    if (impl_->aborted) return;
    impl_->aborted = true;
    ncclCommAbort(impl_->comm);  // unchecked: we are already on an error path
}

}  // namespace moe::gpu
