// The blob formats: varints round-trip across the one-byte limit and up to 2^63-1, and a blob
// of the wrong length is rejected instead of decoded into garbage.
#include "core/store/blob_codec.h"

#include <gtest/gtest.h>

#include <limits>

namespace moe::store {
namespace {

TEST(BlobCodec, VarintsRoundTrip) {
    const std::vector<int64_t> v{
        0, 1, 127, 128, 300, 16383, 16384, 1 << 30, std::numeric_limits<int64_t>::max()};
    std::vector<uint8_t> blob;
    appendVarints(v, blob);
    EXPECT_EQ(blob[0], 0);
    EXPECT_EQ(blob[2], 127);  // one byte below 128
    std::vector<int64_t> back(v.size());
    ASSERT_TRUE(decodeVarints(blob, v.size(), back.data()));
    EXPECT_EQ(back, v);
    std::vector<int64_t> all;
    ASSERT_TRUE(decodeVarints(blob, all));
    EXPECT_EQ(all, v);
}

TEST(BlobCodec, SmallCountsTakeOneByteEach) {
    std::vector<int64_t> v(32, 17);
    std::vector<uint8_t> blob;
    appendVarints(v, blob);
    EXPECT_EQ(blob.size(), 32u);
}

TEST(BlobCodec, WrongLengthIsRejected) {
    std::vector<uint8_t> blob;
    appendVarints(std::vector<int64_t>{5, 300, 7}, blob);
    std::vector<int64_t> out(4);
    EXPECT_FALSE(decodeVarints(blob, 4, out.data()));  // too few values
    EXPECT_FALSE(decodeVarints(blob, 2, out.data()));  // bytes left over
    blob.back() |= 0x80;                               // truncated last varint
    EXPECT_FALSE(decodeVarints(blob, 3, out.data()));
    std::vector<double> d(2);
    EXPECT_FALSE(decodeDoubles(std::vector<uint8_t>(15), 2, d.data()));
    std::vector<float> f;
    EXPECT_FALSE(decodeFloats(std::vector<uint8_t>(7), f));
}

TEST(BlobCodec, RealsAreLittleEndianIeee) {
    const std::vector<double> d{0.5, -1e-300, 3.25};
    std::vector<uint8_t> blob;
    appendDoubles(d, blob);
    ASSERT_EQ(blob.size(), 24u);
    EXPECT_EQ(blob[7], 0x3f);  // 0.5 = 0x3FE0000000000000, most significant byte last
    EXPECT_EQ(blob[6], 0xe0);
    std::vector<double> back(3);
    ASSERT_TRUE(decodeDoubles(blob, 3, back.data()));
    EXPECT_EQ(back, d);
    const std::vector<float> f{0.25f, 1e-20f, -7.5f};
    blob.clear();
    appendFloats(f, blob);
    std::vector<float> fb;
    ASSERT_TRUE(decodeFloats(blob, fb));
    EXPECT_EQ(fb, f);
}

}  // namespace
}  // namespace moe::store
