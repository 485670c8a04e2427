// Helpers shared by the io unit tests: a fresh temporary folder per test and read-back with the
// raw HDF5 C API, deliberately independent of the io wrappers under test.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "core/provenance.hpp"

namespace sf::io::test {

namespace fs = std::filesystem;

// A new empty folder under the system temp folder, removed with its content at the end.
class temp_dir {
public:
    temp_dir() {
        std::string pattern = (fs::temp_directory_path() / "sf_io_test_XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path_ = pattern;
    }
    ~temp_dir() {
        std::error_code ignored;
        fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
        fs::remove_all(path_, ignored);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const fs::path& path() const { return path_; }
    fs::path operator/(const std::string& name) const { return path_ / name; }

    // Every entry of the folder, by file name (to prove no stray .tmp file is left).
    std::vector<std::string> entries() const {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(path_)) {
            names.push_back(entry.path().filename().string());
        }
        return names;
    }

private:
    fs::path path_;
};

// HDF5 identifiers (files, groups, datasets, ...) open in this process: writers must leave
// this unchanged, whether they finish or are destroyed early.
inline ssize_t open_hdf5_objects() { return H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL); }

inline core::provenance sample_provenance() {
    core::provenance prov;
    prov.version = "0.1.0";
    prov.config_toml = "[simulation]\ndt_ms = 0.1\nduration_ms = 1000.0\n";
    prov.seed = 12345678901234ULL;
    prov.threads = 4;
    prov.ranks = 2;
    prov.created_utc = "2026-11-22T04:00:00Z";
    prov.command_line = "spikeforge simulate --config net.toml";
    return prov;
}

template <class T>
hid_t native_type();
template <>
inline hid_t native_type<double>() {
    return H5T_NATIVE_DOUBLE;
}
template <>
inline hid_t native_type<float>() {
    return H5T_NATIVE_FLOAT;
}
template <>
inline hid_t native_type<std::int8_t>() {
    return H5T_NATIVE_INT8;
}
template <>
inline hid_t native_type<std::int32_t>() {
    return H5T_NATIVE_INT32;
}
template <>
inline hid_t native_type<std::uint32_t>() {
    return H5T_NATIVE_UINT32;
}
template <>
inline hid_t native_type<std::int64_t>() {
    return H5T_NATIVE_INT64;
}
template <>
inline hid_t native_type<std::uint64_t>() {
    return H5T_NATIVE_UINT64;
}

// Opens one HDF5 file read-only and reads objects by absolute path. Failures throw
// std::runtime_error naming the path, which fails the calling test.
class h5_reader {
public:
    explicit h5_reader(const fs::path& file) {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        file_ = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
        ensure(file_, "open " + file.string());
    }
    ~h5_reader() {
        if (file_ >= 0) {
            H5Fclose(file_);
        }
    }
    h5_reader(const h5_reader&) = delete;
    h5_reader& operator=(const h5_reader&) = delete;

    hid_t id() const { return file_; }

    // True if every component of `path` exists (H5Lexists fails on missing intermediates).
    bool exists(const std::string& path) const {
        std::size_t end = 0;
        do {
            end = path.find('/', end + 1);
            if (H5Lexists(file_, path.substr(0, end).c_str(), H5P_DEFAULT) <= 0) {
                return false;
            }
        } while (end != std::string::npos);
        return true;
    }

    bool is_group(const std::string& path) const {
        H5O_info_t info;
        return H5Oget_info_by_name(file_, path.c_str(), &info, H5P_DEFAULT) >= 0 && info.type == H5O_TYPE_GROUP;
    }

    std::vector<hsize_t> shape(const std::string& path) const {
        const hid_t ds = open_dataset(path);
        const hid_t space = H5Dget_space(ds);
        std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
        H5Sget_simple_extent_dims(space, dims.data(), nullptr);
        H5Sclose(space);
        H5Dclose(ds);
        return dims;
    }

    std::vector<hsize_t> max_shape(const std::string& path) const {
        const hid_t ds = open_dataset(path);
        const hid_t space = H5Dget_space(ds);
        std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
        std::vector<hsize_t> max_dims(dims.size());
        H5Sget_simple_extent_dims(space, dims.data(), max_dims.data());
        H5Sclose(space);
        H5Dclose(ds);
        return max_dims;
    }

    bool is_chunked(const std::string& path) const {
        const hid_t ds = open_dataset(path);
        const hid_t dcpl = H5Dget_create_plist(ds);
        const bool chunked = H5Pget_layout(dcpl) == H5D_CHUNKED;
        H5Pclose(dcpl);
        H5Dclose(ds);
        return chunked;
    }

    // The dataset's stored type: class, size in bytes and signedness.
    struct type_info {
        H5T_class_t type_class;
        std::size_t size;
        H5T_sign_t sign;
    };
    type_info dataset_type(const std::string& path) const {
        const hid_t ds = open_dataset(path);
        const hid_t type = H5Dget_type(ds);
        const type_info info{H5Tget_class(type), H5Tget_size(type), H5Tget_sign(type)};
        H5Tclose(type);
        H5Dclose(ds);
        return info;
    }
    type_info attribute_type(const std::string& path, const std::string& name) const {
        const hid_t attribute = open_attribute(path, name);
        const hid_t type = H5Aget_type(attribute);
        const type_info info{H5Tget_class(type), H5Tget_size(type), H5Tget_sign(type)};
        H5Tclose(type);
        H5Aclose(attribute);
        return info;
    }

    template <class T>
    std::vector<T> read(const std::string& path) const {
        const hid_t ds = open_dataset(path);
        const hid_t space = H5Dget_space(ds);
        std::vector<T> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
        H5Sclose(space);
        const herr_t status =
            values.empty() ? 0 : H5Dread(ds, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
        H5Dclose(ds);
        ensure(status, "read " + path);
        return values;
    }

    // A scalar or 1-D dataset of variable-length strings.
    std::vector<std::string> read_strings(const std::string& path) const {
        const hid_t ds = open_dataset(path);
        const hid_t space = H5Dget_space(ds);
        const hid_t type = string_type();
        std::vector<char*> raw(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
        const herr_t status = H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data());
        std::vector<std::string> values(raw.begin(), raw.end());
        H5Dvlen_reclaim(type, space, H5P_DEFAULT, raw.data());
        H5Tclose(type);
        H5Sclose(space);
        H5Dclose(ds);
        ensure(status, "read strings " + path);
        return values;
    }

    bool has_attribute(const std::string& path, const std::string& name) const {
        return H5Aexists_by_name(file_, path.c_str(), name.c_str(), H5P_DEFAULT) > 0;
    }

    std::string string_attribute(const std::string& path, const std::string& name) const {
        const std::vector<std::string> values = string_array_attribute(path, name);
        return values.size() == 1 ? values[0] : "<not one string>";
    }

    std::vector<std::string> string_array_attribute(const std::string& path, const std::string& name) const {
        const hid_t attribute = open_attribute(path, name);
        const hid_t space = H5Aget_space(attribute);
        const hid_t type = string_type();
        std::vector<char*> raw(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
        const herr_t status = H5Aread(attribute, type, raw.data());
        std::vector<std::string> values;
        for (char* text : raw) {
            values.emplace_back(text != nullptr ? text : "");
            H5free_memory(text);
        }
        H5Tclose(type);
        H5Sclose(space);
        H5Aclose(attribute);
        ensure(status, "read attribute " + name + " of " + path);
        return values;
    }

    template <class T>
    std::vector<T> numeric_attribute(const std::string& path, const std::string& name) const {
        const hid_t attribute = open_attribute(path, name);
        const hid_t space = H5Aget_space(attribute);
        std::vector<T> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
        const herr_t status = H5Aread(attribute, native_type<T>(), values.data());
        H5Sclose(space);
        H5Aclose(attribute);
        ensure(status, "read attribute " + name + " of " + path);
        return values;
    }

    // The member name of a scalar enum attribute.
    std::string enum_attribute(const std::string& path, const std::string& name) const {
        const hid_t attribute = open_attribute(path, name);
        const hid_t type = H5Aget_type(attribute);
        std::string result = "<not an enum>";
        if (H5Tget_class(type) == H5T_ENUM) {
            std::vector<unsigned char> value(H5Tget_size(type));
            H5Aread(attribute, type, value.data());
            char member[64] = {};
            if (H5Tenum_nameof(type, value.data(), member, sizeof member) >= 0) {
                result = member;
            }
        }
        H5Tclose(type);
        H5Aclose(attribute);
        return result;
    }

    // The path of the object a scalar object-reference attribute points to.
    std::string referenced_path(const std::string& path, const std::string& name) const {
        const hid_t attribute = open_attribute(path, name);
        hobj_ref_t reference{};
        H5Aread(attribute, H5T_STD_REF_OBJ, &reference);
        H5Aclose(attribute);
        const hid_t object = H5Rdereference2(file_, H5P_DEFAULT, H5R_OBJECT, &reference);
        ensure(object, "dereference " + name + " of " + path);
        char buffer[256] = {};
        H5Iget_name(object, buffer, sizeof buffer);
        H5Oclose(object);
        return buffer;
    }

private:
    static void ensure(hid_t status, const std::string& what) {
        if (status < 0) {
            throw std::runtime_error("HDF5 read-back failed: " + what);
        }
    }
    static hid_t string_type() {
        const hid_t type = H5Tcopy(H5T_C_S1);
        H5Tset_size(type, H5T_VARIABLE);
        H5Tset_cset(type, H5T_CSET_UTF8);
        return type;
    }
    hid_t open_dataset(const std::string& path) const {
        const hid_t ds = H5Dopen2(file_, path.c_str(), H5P_DEFAULT);
        ensure(ds, "open dataset " + path);
        return ds;
    }
    hid_t open_attribute(const std::string& path, const std::string& name) const {
        const hid_t attribute = H5Aopen_by_name(file_, path.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
        ensure(attribute, "open attribute " + name + " of " + path);
        return attribute;
    }

    hid_t file_ = -1;
};

}  // namespace sf::io::test
