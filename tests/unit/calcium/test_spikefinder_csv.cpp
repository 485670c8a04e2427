#include "calcium/spikefinder_csv.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"

namespace {

namespace fs = std::filesystem;
using sf::calcium::read_spikefinder_csv;
using sf::calcium::trace_table;
using sf::calcium::write_spikefinder_csv;

class SpikefinderCsv : public ::testing::Test {
protected:
    fs::path dir_;
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("sf_calcium_csv_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path write(const std::string& name, const std::string& text) {
        std::ofstream(dir_ / name, std::ios::binary) << text;
        return dir_ / name;
    }
    // The message of the input_error that reading `text` throws ("" if none).
    std::string error_of(const std::string& text) {
        const auto path = write("bad.csv", text);
        try {
            read_spikefinder_csv(path);
        } catch (const sf::core::input_error& e) {
            return e.what();
        }
        return "";
    }
};

TEST_F(SpikefinderCsv, ReadsColumnsOfDifferentLengths) {
    const auto t = read_spikefinder_csv(write("a.csv", "0,1,2\n1.5,0.0,2\n-3e-1,1.0,\n4,,\r\n"));
    ASSERT_EQ(t.neurons(), 3u);
    EXPECT_EQ(t.names, (std::vector<std::string>{"0", "1", "2"}));
    EXPECT_EQ(t.columns[0], (std::vector<double>{1.5, -0.3, 4.0}));
    EXPECT_EQ(t.columns[1], (std::vector<double>{0.0, 1.0}));
    EXPECT_EQ(t.columns[2], (std::vector<double>{2.0}));
    EXPECT_EQ(t.longest(), 3u);
}

TEST_F(SpikefinderCsv, SingleColumnWithEmptyLinesAsPadding) {
    const auto t = read_spikefinder_csv(write("a.csv", "0\n1\n2\n\n\n"));
    ASSERT_EQ(t.neurons(), 1u);
    EXPECT_EQ(t.columns[0], (std::vector<double>{1.0, 2.0}));
}

TEST_F(SpikefinderCsv, WriteReproducesPaddingAndReadsBack) {
    trace_table t;
    t.names = {"0", "1"};
    t.columns = {{0.25, 1.0, 2.5}, {3.0}};
    const auto path = dir_ / "out.csv";
    write_spikefinder_csv(path, t);
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, "0,1\n0.25,3\n1,\n2.5,\n");
    EXPECT_FALSE(fs::exists(dir_ / "out.csv.tmp"));
    const auto back = read_spikefinder_csv(path);
    EXPECT_EQ(back.columns, t.columns);
}

TEST_F(SpikefinderCsv, Float32WritesShortestFloatText) {
    trace_table t;
    t.columns = {{static_cast<double>(0.1f)}};
    const auto path = dir_ / "out.csv";
    write_spikefinder_csv(path, t, {.float32 = true});
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, "0\n0.1\n");
}

TEST_F(SpikefinderCsv, MalformedFilesNameFileLineAndExpectation) {
    EXPECT_NE(error_of("0,1\n1,2,3\n").find("line 2: 3 fields; expected 2 fields"), std::string::npos)
        << error_of("0,1\n1,2,3\n");
    EXPECT_NE(error_of("0,1\n1,2\n1,x\n").find("line 3, column '1': 'x' is not a number"), std::string::npos);
    EXPECT_NE(error_of("0,1\n1,\n1,2\n").find("line 3, column '1': value '2' after the column's padding began"),
              std::string::npos);
    EXPECT_NE(error_of("1.5,2.5\n1,2\n").find("line 1 (header): '1.5' is a value, the header line is missing"),
              std::string::npos);
    EXPECT_NE(error_of("").find("line 1: the file is empty"), std::string::npos);
    EXPECT_NE(error_of("0,0\n1,2\n").find("column name '0' repeated"), std::string::npos);
    EXPECT_NE(error_of("0,1\n1,inf\n").find("a finite number"), std::string::npos);
    EXPECT_NE(error_of("0,1\n1,inf\n").find("bad.csv"), std::string::npos);
}

}  // namespace
