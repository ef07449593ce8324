// `train` as a user runs it: a short run on the bundled corpus with a loss-curve CSV and a
// checkpoint, a resume that continues from it, `run`/`predict` on a train: workload, and bad
// input (missing corpus, damaged checkpoint) failing with the path in the message.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "cli_support.h"

namespace {

using namespace cli_test;

const std::string kModel =
    "--blocks 2 --width 16 --heads 2 --experts 4 --top-k 2 --ffn 16 --context 16 --batch 4 "
    "--eval-windows 4 --no-db ";
const std::string kTiny = kModel + "--sections tutorial ";

int lines(const std::string& text) {
    int n = 0;
    for (char c : text) n += c == '\n';
    return n;
}

TEST(TrainCli, ShortRunCheckpointAndResume) {
    const fs::path dir = tempDir();
    const fs::path ckpt = dir / "train.ckpt", csv = dir / "curve.csv", csv2 = dir / "curve2.csv";
    Result r = cli("train " + kTiny + "--steps 12 --eval-every 6 --print-every 4 --csv " +
                   quoted(csv.string()) + " --checkpoint " + quoted(ckpt.string()));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("tok/s"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("skew"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("held-out loss"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("phase detector"), std::string::npos) << r.out;
    // 12 steps never fill the 100-step window: no statistics rather than a calm-looking 0.
    EXPECT_NE(r.out.find("window not full: 12 of the 100 steps"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("last window:"), std::string::npos) << r.out;
    const std::string curve = readFile(csv);
    EXPECT_EQ(curve.rfind("step,elapsed_s,tokens,train_loss", 0), 0u) << curve;
    EXPECT_EQ(lines(curve), 1 + 1 + 12 + 1);  // header, before training, 12 steps, final
    ASSERT_TRUE(fs::exists(ckpt));

    r = cli("train " + kTiny + "--steps 3 --resume " + quoted(ckpt.string()) + " --csv " +
            quoted(csv2.string()));
    ASSERT_EQ(r.code, 0) << r.out;
    const std::string resumed = readFile(csv2);
    EXPECT_NE(resumed.find("\n13,"), std::string::npos) << resumed;  // continues at step 13
    EXPECT_NE(resumed.find("\n15,"), std::string::npos) << resumed;
}

TEST(TrainCli, RunAndPredictOnATrainWorkload) {
    const std::string spec =
        "train:sections=tutorial,blocks=2,width=16,heads=2,experts=4,top_k=2,ffn=16,"
        "context=16,batch=4,eval_every=0,eval_windows=4";
    Result r = cli("run --workload " + spec + " --steps 4 --ranks 2 --hidden 16 --ffn 32 --no-db");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("train:corpus=python-docs"), std::string::npos) << r.out;
    r = cli("predict --workload " + spec + " --steps 6 -p sw_avg -p t2e_token --no-db");
    EXPECT_EQ(r.code, 0) << r.out;
}

TEST(TrainCli, BadCorpusAndDamagedCheckpointFailWithThePath) {
    Result r = cli("train " + kTiny + "--steps 2 --corpus /no/such/corpus");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("/no/such/corpus"), std::string::npos) << r.out;
    const fs::path notGzip = tempDir() / "broken.txt.gz";
    writeFile(notGzip, "plain text pretending to be gzip\n");
    r = cli("train " + kModel + "--steps 2 --corpus " + quoted(notGzip.string()));
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find(notGzip.string()), std::string::npos) << r.out;
    const fs::path bad = tempDir() / "bad.ckpt";
    writeFile(bad, "MOEWBCKP");
    r = cli("train " + kTiny + "--steps 2 --resume " + quoted(bad.string()));
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find(bad.string()), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("truncated"), std::string::npos) << r.out;
    r = cli("train --aux sometimes --steps 1");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("sometimes"), std::string::npos) << r.out;
    r = cli("train --help");
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("--sections"), std::string::npos) << r.out;
}

}  // namespace
