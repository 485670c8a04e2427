#include "io/hdf5.hpp"

#include <fmt/format.h>
#include <hdf5.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <type_traits>

#include "core/error.hpp"

namespace sf::io::h5 {

static_assert(std::is_same_v<hid, hid_t>, "hdf5.hpp assumes hid_t is int64_t (HDF5 >= 1.10)");
static_assert(sizeof(hsize_t) == sizeof(std::uint64_t));

void silence_error_printing() {
    // Thread-local because a thread-safe HDF5 keeps the automatic-printing setting per thread.
    thread_local bool silenced = false;
    if (!silenced) {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        silenced = true;
    }
}

namespace {

using kind = handle::kind;

// The description HDF5 recorded where the failure was detected (the most specific entry of
// this thread's error stack), on one line; "" if the stack is empty.
std::string hdf5_reason() {
    std::string reason;
    auto take_innermost = [](unsigned n, const H5E_error2_t* err, void* out) -> herr_t {
        if (n == 0 && err->desc != nullptr) {
            *static_cast<std::string*>(out) = err->desc;
        }
        return 0;
    };
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, take_innermost, &reason);
    H5Eclear2(H5E_DEFAULT);
    // File-driver failures read "unable to open file: name = '...', errno = 2, error message =
    // 'No such file or directory', flags = ..."; the operating system's message says it all.
    constexpr std::string_view os_message = "error message = '";
    if (const std::size_t at = reason.find(os_message); at != std::string::npos) {
        const std::size_t begin = at + os_message.size();
        const std::size_t end = reason.find('\'', begin);
        if (end != std::string::npos) {
            reason = reason.substr(begin, end - begin);
        }
    }
    std::replace(reason.begin(), reason.end(), '\n', ' ');
    return reason;
}

[[noreturn]] void fail(std::string_view file_name, std::string_view what) {
    const std::string reason = hdf5_reason();
    if (reason.empty()) {
        throw core::io_error(fmt::format("{}: cannot {}", file_name, what));
    }
    throw core::io_error(fmt::format("{}: cannot {} ({})", file_name, what, reason));
}

void check(herr_t status, std::string_view file_name, std::string_view what) {
    if (status < 0) {
        fail(file_name, what);
    }
}

handle checked(hid_t id, kind k, std::string_view file_name, std::string_view what) {
    if (id < 0) {
        fail(file_name, what);
    }
    return handle(id, k);
}

std::string join(std::string_view parent, std::string_view name) {
    if (parent.empty() || parent == "/") {
        return fmt::format("/{}", name);
    }
    return fmt::format("{}/{}", parent, name);
}

hid_t memory_type(element_type type) {
    switch (type) {
        case element_type::i8:
            return H5T_NATIVE_INT8;
        case element_type::u8:
            return H5T_NATIVE_UINT8;
        case element_type::i32:
            return H5T_NATIVE_INT32;
        case element_type::u32:
            return H5T_NATIVE_UINT32;
        case element_type::i64:
            return H5T_NATIVE_INT64;
        case element_type::u64:
            return H5T_NATIVE_UINT64;
        case element_type::f32:
            return H5T_NATIVE_FLOAT;
        case element_type::f64:
            return H5T_NATIVE_DOUBLE;
    }
    throw std::logic_error("unknown h5::element_type");
}

// Types stored in files: fixed little-endian layouts, whatever the machine (SONATA convention).
hid_t file_type(element_type type) {
    switch (type) {
        case element_type::i8:
            return H5T_STD_I8LE;
        case element_type::u8:
            return H5T_STD_U8LE;
        case element_type::i32:
            return H5T_STD_I32LE;
        case element_type::u32:
            return H5T_STD_U32LE;
        case element_type::i64:
            return H5T_STD_I64LE;
        case element_type::u64:
            return H5T_STD_U64LE;
        case element_type::f32:
            return H5T_IEEE_F32LE;
        case element_type::f64:
            return H5T_IEEE_F64LE;
    }
    throw std::logic_error("unknown h5::element_type");
}

handle utf8_string_type(std::string_view file_name, std::string_view what) {
    handle type = checked(H5Tcopy(H5T_C_S1), kind::datatype, file_name, what);
    check(H5Tset_size(type.get(), H5T_VARIABLE), file_name, what);
    check(H5Tset_cset(type.get(), H5T_CSET_UTF8), file_name, what);
    return type;
}

handle scalar_space(std::string_view file_name, std::string_view what) {
    return checked(H5Screate(H5S_SCALAR), kind::dataspace, file_name, what);
}

handle vector_space(std::uint64_t n, std::string_view file_name, std::string_view what) {
    const hsize_t dims[1] = {n};
    return checked(H5Screate_simple(1, dims, nullptr), kind::dataspace, file_name, what);
}

// Link creation that makes missing intermediate groups, so "stimulus/presentation" works.
handle intermediate_groups_plist(std::string_view file_name, std::string_view what) {
    handle lcpl = checked(H5Pcreate(H5P_LINK_CREATE), kind::property_list, file_name, what);
    check(H5Pset_create_intermediate_group(lcpl.get(), 1), file_name, what);
    return lcpl;
}

// Creates attribute `name` on `target`, replacing an existing one of that name.
handle create_attribute(const object& target, std::string_view name, hid_t type, hid_t space, std::string_view what) {
    const std::string attribute_name(name);
    const htri_t exists = H5Aexists(target.id(), attribute_name.c_str());
    if (exists < 0) {
        fail(target.file_name(), what);
    }
    if (exists > 0) {
        check(H5Adelete(target.id(), attribute_name.c_str()), target.file_name(), what);
    }
    return checked(H5Acreate2(target.id(), attribute_name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                   kind::attribute, target.file_name(), what);
}

std::string attribute_what(const object& target, std::string_view name) {
    return fmt::format("write attribute '{}' of '{}'", name, target.path());
}

dataset create_dataset(const group& parent, std::string_view name, hid_t type, hid_t space, hid_t dcpl,
                       std::string_view what) {
    const std::string path = join(parent.path(), name);
    const handle lcpl = intermediate_groups_plist(parent.file_name(), what);
    const std::string dataset_name(name);
    handle ds = checked(H5Dcreate2(parent.id(), dataset_name.c_str(), type, space, lcpl.get(), dcpl, H5P_DEFAULT),
                        kind::dataset, parent.file_name(), what);
    return dataset(std::move(ds), parent.file_name(), path);
}

std::vector<const char*> c_strings(std::span<const std::string> values) {
    std::vector<const char*> pointers;
    pointers.reserve(values.size());
    for (const std::string& value : values) {
        pointers.push_back(value.c_str());
    }
    return pointers;
}

}  // namespace

// ---- handle ----

handle::handle(handle&& other) noexcept : id_(other.id_), kind_(other.kind_) { other.id_ = -1; }

handle& handle::operator=(handle&& other) noexcept {
    if (this != &other) {
        close();
        id_ = other.id_;
        kind_ = other.kind_;
        other.id_ = -1;
    }
    return *this;
}

handle::~handle() { close(); }

bool handle::close() noexcept {
    if (id_ < 0) {
        return true;
    }
    silence_error_printing();
    herr_t status = -1;
    switch (kind_) {
        case kind::file:
            status = H5Fclose(id_);
            break;
        case kind::group:
            status = H5Gclose(id_);
            break;
        case kind::dataset:
            status = H5Dclose(id_);
            break;
        case kind::dataspace:
            status = H5Sclose(id_);
            break;
        case kind::datatype:
            status = H5Tclose(id_);
            break;
        case kind::attribute:
            status = H5Aclose(id_);
            break;
        case kind::property_list:
            status = H5Pclose(id_);
            break;
    }
    // A file that refuses to close (objects still open) stays open: keep its id so that the
    // destructor closes it once those objects are gone, instead of leaking it.
    if (status >= 0 || kind_ != kind::file) {
        id_ = -1;
    }
    return status >= 0;
}

// ---- file ----

file file::create(const std::filesystem::path& path) {
    silence_error_printing();
    const std::string name = path.string();
    const std::string_view what = "create the file";
    const handle fapl = checked(H5Pcreate(H5P_FILE_ACCESS), kind::property_list, name, what);
    check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI), name, what);
    handle opened = checked(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), kind::file, name, what);
    return file(std::move(opened), name);
}

file file::open_read_only(const std::filesystem::path& path) {
    silence_error_printing();
    const std::string name = path.string();
    handle opened = checked(H5Fopen(name.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), kind::file, name, "open the file");
    return file(std::move(opened), name);
}

group file::root() const {
    silence_error_printing();
    handle opened = checked(H5Gopen2(handle_.get(), "/", H5P_DEFAULT), kind::group, name_, "open the root group");
    return group(std::move(opened), name_, "/");
}

void file::close() {
    if (!handle_) {
        return;
    }
    if (!handle_.close()) {
        fail(name_, "close (flush) the file");
    }
}

// ---- group, dataset ----

group group::create_group(std::string_view name) const {
    silence_error_printing();
    const std::string path = join(this->path(), name);
    const std::string what = fmt::format("create group '{}'", path);
    const handle lcpl = intermediate_groups_plist(file_name(), what);
    const std::string group_name(name);
    handle opened = checked(H5Gcreate2(id(), group_name.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), kind::group,
                            file_name(), what);
    return group(std::move(opened), file_name(), path);
}

group group::open_group(std::string_view name) const {
    silence_error_printing();
    const std::string path = join(this->path(), name);
    const std::string group_name(name);
    handle opened = checked(H5Gopen2(id(), group_name.c_str(), H5P_DEFAULT), kind::group, file_name(),
                            fmt::format("open group '{}'", path));
    return group(std::move(opened), file_name(), path);
}

dataset group::open_dataset(std::string_view name) const {
    silence_error_printing();
    const std::string path = join(this->path(), name);
    const std::string dataset_name(name);
    handle opened = checked(H5Dopen2(id(), dataset_name.c_str(), H5P_DEFAULT), kind::dataset, file_name(),
                            fmt::format("open dataset '{}'", path));
    return dataset(std::move(opened), file_name(), path);
}

bool group::contains(std::string_view name) const {
    silence_error_printing();
    // H5Lexists fails (instead of answering false) when an intermediate group is missing, so
    // check each prefix of "a/b/c" in turn.
    std::size_t end = 0;
    while (end != std::string_view::npos) {
        end = name.find('/', end + 1);
        const std::string prefix(name.substr(0, end));
        const htri_t exists = H5Lexists(id(), prefix.c_str(), H5P_DEFAULT);
        if (exists < 0) {
            fail(file_name(), fmt::format("look up '{}'", join(path(), prefix)));
        }
        if (exists == 0) {
            return false;
        }
    }
    return true;
}

std::vector<std::uint64_t> dataset::shape() const {
    silence_error_printing();
    const std::string what = fmt::format("read the shape of '{}'", path());
    const handle space = checked(H5Dget_space(id()), kind::dataspace, file_name(), what);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0) {
        fail(file_name(), what);
    }
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), file_name(), what);
    return {dims.begin(), dims.end()};
}

// ---- attributes ----

void write_attribute(const object& target, std::string_view name, std::string_view value) {
    silence_error_printing();
    const std::string what = attribute_what(target, name);
    const handle type = utf8_string_type(target.file_name(), what);
    const handle space = scalar_space(target.file_name(), what);
    const handle attribute = create_attribute(target, name, type.get(), space.get(), what);
    const std::string text(value);
    const char* pointer = text.c_str();
    check(H5Awrite(attribute.get(), type.get(), &pointer), target.file_name(), what);
}

void write_string_array_attribute(const object& target, std::string_view name, std::span<const std::string> values) {
    silence_error_printing();
    const std::string what = attribute_what(target, name);
    const handle type = utf8_string_type(target.file_name(), what);
    const handle space = vector_space(values.size(), target.file_name(), what);
    const handle attribute = create_attribute(target, name, type.get(), space.get(), what);
    if (!values.empty()) {
        const std::vector<const char*> pointers = c_strings(values);
        check(H5Awrite(attribute.get(), type.get(), pointers.data()), target.file_name(), what);
    }
}

void detail::write_attribute_raw(const object& target, std::string_view name, element_type type, const void* data,
                                 std::size_t count, bool scalar) {
    silence_error_printing();
    const std::string what = attribute_what(target, name);
    const handle space =
        scalar ? scalar_space(target.file_name(), what) : vector_space(count, target.file_name(), what);
    const handle attribute = create_attribute(target, name, file_type(type), space.get(), what);
    if (count > 0) {
        check(H5Awrite(attribute.get(), memory_type(type), data), target.file_name(), what);
    }
}

void write_enum_attribute(const object& target, std::string_view name, std::span<const enum_member> members,
                          std::string_view value) {
    silence_error_printing();
    const auto chosen =
        std::find_if(members.begin(), members.end(), [&](const enum_member& m) { return m.name == value; });
    if (chosen == members.end()) {
        throw std::invalid_argument(fmt::format("enum attribute '{}': '{}' is not a member", name, value));
    }
    const std::string what = attribute_what(target, name);
    const handle type = checked(H5Tenum_create(H5T_NATIVE_INT8), kind::datatype, target.file_name(), what);
    for (const enum_member& member : members) {
        check(H5Tenum_insert(type.get(), member.name.c_str(), &member.value), target.file_name(), what);
    }
    const handle space = scalar_space(target.file_name(), what);
    const handle attribute = create_attribute(target, name, type.get(), space.get(), what);
    check(H5Awrite(attribute.get(), type.get(), &chosen->value), target.file_name(), what);
}

void write_reference_attribute(const object& target, std::string_view name, const object& referenced) {
    silence_error_printing();
    const std::string what = attribute_what(target, name);
    hobj_ref_t reference{};
    check(H5Rcreate(&reference, target.id(), referenced.path().c_str(), H5R_OBJECT, -1), target.file_name(), what);
    const handle space = scalar_space(target.file_name(), what);
    const handle attribute = create_attribute(target, name, H5T_STD_REF_OBJ, space.get(), what);
    check(H5Awrite(attribute.get(), H5T_STD_REF_OBJ, &reference), target.file_name(), what);
}

std::string read_string_attribute(const object& target, std::string_view name) {
    silence_error_printing();
    const std::string what = fmt::format("read attribute '{}' of '{}'", name, target.path());
    const std::string attribute_name(name);
    const handle attribute =
        checked(H5Aopen(target.id(), attribute_name.c_str(), H5P_DEFAULT), kind::attribute, target.file_name(), what);
    const handle type = checked(H5Aget_type(attribute.get()), kind::datatype, target.file_name(), what);
    if (H5Tget_class(type.get()) != H5T_STRING) {
        throw core::input_error(
            fmt::format("{}: attribute '{}' of '{}' is not a string", target.file_name(), name, target.path()));
    }
    if (H5Tis_variable_str(type.get()) > 0) {
        // Same character set as stored (ASCII or UTF-8): HDF5 has no conversion between them.
        const handle memory = utf8_string_type(target.file_name(), what);
        check(H5Tset_cset(memory.get(), H5Tget_cset(type.get())), target.file_name(), what);
        char* text = nullptr;
        check(H5Aread(attribute.get(), memory.get(), &text), target.file_name(), what);
        std::string value = text != nullptr ? text : "";
        H5free_memory(text);
        return value;
    }
    const std::size_t size = H5Tget_size(type.get());
    std::string value(size, '\0');
    check(H5Aread(attribute.get(), type.get(), value.data()), target.file_name(), what);
    value.resize(value.find('\0') == std::string::npos ? size : value.find('\0'));
    return value;
}

// ---- datasets ----

dataset detail::write_dataset_raw(const group& parent, std::string_view name, element_type type, const void* data,
                                  std::uint64_t count) {
    silence_error_printing();
    const std::string what = fmt::format("write dataset '{}'", join(parent.path(), name));
    const handle space = vector_space(count, parent.file_name(), what);
    dataset ds = create_dataset(parent, name, file_type(type), space.get(), H5P_DEFAULT, what);
    if (count > 0) {
        check(H5Dwrite(ds.id(), memory_type(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, data), parent.file_name(), what);
    }
    return ds;
}

dataset write_string_dataset(const group& parent, std::string_view name, std::string_view value) {
    silence_error_printing();
    const std::string what = fmt::format("write dataset '{}'", join(parent.path(), name));
    const handle type = utf8_string_type(parent.file_name(), what);
    const handle space = scalar_space(parent.file_name(), what);
    dataset ds = create_dataset(parent, name, type.get(), space.get(), H5P_DEFAULT, what);
    const std::string text(value);
    const char* pointer = text.c_str();
    check(H5Dwrite(ds.id(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &pointer), parent.file_name(), what);
    return ds;
}

dataset write_string_array_dataset(const group& parent, std::string_view name, std::span<const std::string> values) {
    const std::vector<const char*> pointers = c_strings(values);
    return write_string_array_dataset(parent, name, std::span<const char* const>(pointers));
}

dataset write_string_array_dataset(const group& parent, std::string_view name, std::span<const char* const> values) {
    silence_error_printing();
    const std::string what = fmt::format("write dataset '{}'", join(parent.path(), name));
    const handle type = utf8_string_type(parent.file_name(), what);
    const handle space = vector_space(values.size(), parent.file_name(), what);
    dataset ds = create_dataset(parent, name, type.get(), space.get(), H5P_DEFAULT, what);
    if (!values.empty()) {
        check(H5Dwrite(ds.id(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), parent.file_name(), what);
    }
    return ds;
}

std::uint64_t detail::vector_length(const dataset& ds) {
    const std::vector<std::uint64_t> shape = ds.shape();
    if (shape.size() != 1) {
        throw core::input_error(
            fmt::format("{}: '{}' should be a 1-D dataset but has rank {}", ds.file_name(), ds.path(), shape.size()));
    }
    return shape[0];
}

void detail::read_raw(const dataset& ds, element_type type, void* out) {
    silence_error_printing();
    if (out == nullptr) {
        return;  // an empty dataset: nothing to read
    }
    check(H5Dread(ds.id(), memory_type(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, out), ds.file_name(),
          fmt::format("read dataset '{}'", ds.path()));
}

void detail::check_matrix_rows(std::size_t n_values, std::uint64_t n_rows, std::uint64_t columns) {
    if (n_values != n_rows * columns) {
        throw std::invalid_argument(
            fmt::format("appendable_matrix: {} values are not {} rows of {} columns", n_values, n_rows, columns));
    }
}

// ---- extendible datasets ----

extendible_dataset::extendible_dataset(const group& parent, std::string_view name, element_type type, int rank,
                                       std::uint64_t columns, std::uint64_t chunk_elements, int deflate_level)
    : type_(type), rank_(rank), columns_(rank == 1 ? 1 : columns) {
    if (rank != 1 && rank != 2) {
        throw std::invalid_argument("extendible_dataset: rank must be 1 or 2");
    }
    silence_error_printing();
    const std::string what = fmt::format("create dataset '{}'", join(parent.path(), name));
    chunk_elements = std::max<std::uint64_t>(chunk_elements, 1);
    // A row is split into column chunks only when it is longer than a whole chunk.
    const hsize_t chunk_columns = std::clamp<hsize_t>(columns_, 1, chunk_elements);
    const hsize_t chunk_rows = std::max<hsize_t>(chunk_elements / chunk_columns, 1);
    const hsize_t dims[2] = {0, columns_};
    // Zero columns cannot have a fixed maximum smaller than the (>= 1) chunk width.
    const hsize_t max_dims[2] = {H5S_UNLIMITED, columns_ == 0 ? H5S_UNLIMITED : columns_};
    const hsize_t chunk[2] = {rank == 1 ? chunk_elements : chunk_rows, chunk_columns};

    const handle space = checked(H5Screate_simple(rank, dims, max_dims), kind::dataspace, parent.file_name(), what);
    const handle dcpl = checked(H5Pcreate(H5P_DATASET_CREATE), kind::property_list, parent.file_name(), what);
    check(H5Pset_chunk(dcpl.get(), rank, chunk), parent.file_name(), what);
    if (deflate_level > 0) {
        // Shuffling bytes first groups the slowly varying high bytes of ids and times, which
        // is what makes them compress; a partial last chunk then costs almost nothing.
        check(H5Pset_shuffle(dcpl.get()), parent.file_name(), what);
        check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(std::min(deflate_level, 9))), parent.file_name(), what);
    }
    ds_ = create_dataset(parent, name, file_type(type), space.get(), dcpl.get(), what);
}

void extendible_dataset::append_rows(const void* data, std::uint64_t n_rows) {
    if (n_rows == 0) {
        return;
    }
    silence_error_printing();
    const std::string what = fmt::format("append to dataset '{}'", ds_.path());
    const hsize_t new_dims[2] = {rows_ + n_rows, columns_};
    check(H5Dset_extent(ds_.id(), new_dims), ds_.file_name(), what);
    if (columns_ > 0) {
        const hsize_t start[2] = {rows_, 0};
        const hsize_t count[2] = {n_rows, columns_};
        const handle file_space = checked(H5Dget_space(ds_.id()), kind::dataspace, ds_.file_name(), what);
        check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr), ds_.file_name(),
              what);
        const handle memory_space =
            checked(H5Screate_simple(rank_, count, nullptr), kind::dataspace, ds_.file_name(), what);
        check(H5Dwrite(ds_.id(), memory_type(type_), memory_space.get(), file_space.get(), H5P_DEFAULT, data),
              ds_.file_name(), what);
    }
    rows_ += n_rows;
}

// ---- reading helpers ----

stored_type type_of(const dataset& ds) {
    silence_error_printing();
    const std::string what = fmt::format("read the type of '{}'", ds.path());
    const handle type = checked(H5Dget_type(ds.id()), kind::datatype, ds.file_name(), what);
    stored_type out;
    out.size = H5Tget_size(type.get());
    switch (H5Tget_class(type.get())) {
        case H5T_INTEGER:
            out.type_class = stored_class::integer;
            out.is_signed = H5Tget_sign(type.get()) == H5T_SGN_2;
            out.little_endian = H5Tget_order(type.get()) == H5T_ORDER_LE;
            break;
        case H5T_FLOAT:
            out.type_class = stored_class::floating;
            out.is_signed = true;
            break;
        case H5T_STRING:
            out.type_class = stored_class::string;
            break;
        case H5T_ENUM:
            out.type_class = stored_class::enumeration;
            break;
        default:
            out.type_class = stored_class::other;
    }
    return out;
}

std::string type_name(const stored_type& type) {
    switch (type.type_class) {
        case stored_class::integer:
            return fmt::format("{}int{}", type.is_signed ? "" : "u", 8 * type.size);
        case stored_class::floating:
            return fmt::format("float{}", 8 * type.size);
        case stored_class::string:
            return "string";
        case stored_class::enumeration:
            return "enum";
        default:
            return "a compound or other non-numeric type";
    }
}

std::vector<std::uint64_t> chunk_shape(const dataset& ds) {
    silence_error_printing();
    const std::string what = fmt::format("read the storage layout of '{}'", ds.path());
    const handle plist = checked(H5Dget_create_plist(ds.id()), kind::property_list, ds.file_name(), what);
    if (H5Pget_layout(plist.get()) != H5D_CHUNKED) {
        return {};
    }
    std::vector<hsize_t> dims(32);
    const int rank = H5Pget_chunk(plist.get(), static_cast<int>(dims.size()), dims.data());
    if (rank < 0) {
        fail(ds.file_name(), what);
    }
    return {dims.begin(), dims.begin() + rank};
}

std::optional<std::uint64_t> plain_storage_offset(const dataset& ds) {
    silence_error_printing();
    const std::string what = fmt::format("read the storage layout of '{}'", ds.path());
    const handle plist = checked(H5Dget_create_plist(ds.id()), kind::property_list, ds.file_name(), what);
    if (H5Pget_layout(plist.get()) != H5D_CONTIGUOUS || H5Pget_nfilters(plist.get()) != 0) return std::nullopt;
    // External storage (H5Pset_external) keeps the data in other files.
    if (H5Pget_external_count(plist.get()) != 0) return std::nullopt;
    const haddr_t offset = H5Dget_offset(ds.id());
    if (offset == HADDR_UNDEF) return std::nullopt;  // not allocated yet (nothing written)
    return static_cast<std::uint64_t>(offset);
}

bool has_attribute(const object& target, std::string_view name) {
    silence_error_printing();
    const std::string attribute_name(name);
    const htri_t exists = H5Aexists(target.id(), attribute_name.c_str());
    if (exists < 0) {
        fail(target.file_name(), fmt::format("look up attribute '{}' of '{}'", name, target.path()));
    }
    return exists > 0;
}

namespace {

std::string enum_attribute_text(const object& target, hid_t attribute, hid_t type, std::string_view what) {
    const std::size_t size = H5Tget_size(type);
    std::vector<unsigned char> value(size);
    check(H5Aread(attribute, type, value.data()), target.file_name(), what);
    char name[256] = {};
    check(H5Tenum_nameof(type, value.data(), name, sizeof name), target.file_name(), what);
    return name;
}

}  // namespace

std::string read_attribute_text(const object& target, std::string_view name) {
    silence_error_printing();
    const std::string what = fmt::format("read attribute '{}' of '{}'", name, target.path());
    const std::string attribute_name(name);
    const handle attribute =
        checked(H5Aopen(target.id(), attribute_name.c_str(), H5P_DEFAULT), kind::attribute, target.file_name(), what);
    const handle type = checked(H5Aget_type(attribute.get()), kind::datatype, target.file_name(), what);
    const handle space = checked(H5Aget_space(attribute.get()), kind::dataspace, target.file_name(), what);
    const H5T_class_t type_class = H5Tget_class(type.get());
    // h5py stores a Python str as a scalar; some writers store a 1-element array: accept both.
    const bool single = H5Sget_simple_extent_npoints(space.get()) == 1;
    if (type_class == H5T_STRING && single) {
        return read_string_attribute(target, name);
    }
    if (type_class == H5T_ENUM && single) {
        return enum_attribute_text(target, attribute.get(), type.get(), what);
    }
    if (type_class == H5T_INTEGER && single) {
        std::int64_t value = 0;
        check(H5Aread(attribute.get(), H5T_NATIVE_INT64, &value), target.file_name(), what);
        return std::to_string(value);
    }
    if (type_class == H5T_FLOAT && single) {
        double value = 0.0;
        check(H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &value), target.file_name(), what);
        return fmt::format("{}", value);  // shortest text that reads back as the same double
    }
    throw core::input_error(fmt::format("{}: attribute '{}' of '{}' should be a single string, enum, integer or float",
                                        target.file_name(), name, target.path()));
}

std::vector<std::string> read_string_vector(const dataset& ds) {
    silence_error_printing();
    const std::string what = fmt::format("read dataset '{}'", ds.path());
    const std::uint64_t n = detail::vector_length(ds);
    const handle type = checked(H5Dget_type(ds.id()), kind::datatype, ds.file_name(), what);
    if (H5Tget_class(type.get()) != H5T_STRING) {
        throw core::input_error(
            fmt::format("{}: {}: not a string dataset; expected strings", ds.file_name(), ds.path()));
    }
    std::vector<std::string> out;
    out.reserve(n);
    if (n == 0) {
        return out;
    }
    if (H5Tis_variable_str(type.get()) > 0) {
        // Same character set as stored (ASCII from h5py bytes, UTF-8 from str): no conversion.
        const handle memory = utf8_string_type(ds.file_name(), what);
        check(H5Tset_cset(memory.get(), H5Tget_cset(type.get())), ds.file_name(), what);
        std::vector<char*> texts(n, nullptr);
        check(H5Dread(ds.id(), memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, texts.data()), ds.file_name(), what);
        for (char* text : texts) {
            out.emplace_back(text != nullptr ? text : "");
            H5free_memory(text);
        }
        return out;
    }
    const std::size_t size = H5Tget_size(type.get());
    std::vector<char> buffer(n * size);
    check(H5Dread(ds.id(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), ds.file_name(), what);
    for (std::uint64_t i = 0; i < n; ++i) {
        std::string value(buffer.data() + i * size, size);
        value.resize(std::min(value.find('\0'), size));
        out.push_back(std::move(value));
    }
    return out;
}

std::vector<std::string> member_names(const group& g) {
    silence_error_printing();
    std::vector<std::string> names;
    // H5L_info_t / H5Literate: the HDF5 1.10 API (Debian's), still available in 1.12+.
    auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
        static_cast<std::vector<std::string>*>(out)->emplace_back(name);
        return 0;
    };
    hsize_t index = 0;
    check(H5Literate(g.id(), H5_INDEX_NAME, H5_ITER_INC, &index, collect, &names), g.file_name(),
          fmt::format("list the members of '{}'", g.path()));
    return names;
}

bool is_group_member(const group& g, std::string_view name) {
    if (!g.contains(name)) {
        return false;
    }
    const std::string member(name);
    // H5Oopen returns an id of the object's own kind; H5Oclose closes any kind.
    const hid_t opened = H5Oopen(g.id(), member.c_str(), H5P_DEFAULT);
    if (opened < 0) {
        fail(g.file_name(), fmt::format("open '{}'", join(g.path(), name)));
    }
    const bool is_group = H5Iget_type(opened) == H5I_GROUP;
    H5Oclose(opened);
    return is_group;
}

bool has_hdf5_signature(const std::filesystem::path& path) {
    constexpr std::string_view signature("\x89HDF\r\n\x1a\n", 8);
    std::FILE* f = std::fopen(path.string().c_str(), "rb");
    if (f == nullptr) {
        return false;
    }
    bool found = false;
    // HDF5 looks for its superblock at 0, 512, 1024, 2048, ... (a user block precedes it).
    for (long offset = 0; !found && offset <= (1L << 20); offset = offset == 0 ? 512 : 2 * offset) {
        char head[8] = {};
        if (std::fseek(f, offset, SEEK_SET) != 0 || std::fread(head, 1, sizeof head, f) != sizeof head) {
            break;
        }
        found = std::string_view(head, sizeof head) == signature;
    }
    std::fclose(f);
    return found;
}

// A selection of the block [start, start + count) in the dataset's file space, with a matching
// memory space (the two handles H5Dread / H5Dwrite take).
struct block_selection {
    handle file_space, memory_space;
};

block_selection select_block(const dataset& ds, std::span<const std::uint64_t> start,
                             std::span<const std::uint64_t> count, std::string_view what) {
    handle file_space = checked(H5Dget_space(ds.id()), kind::dataspace, ds.file_name(), what);
    if (H5Sget_simple_extent_ndims(file_space.get()) != static_cast<int>(start.size()) ||
        start.size() != count.size()) {
        throw core::input_error(fmt::format("{}: '{}' should have rank {}", ds.file_name(), ds.path(), start.size()));
    }
    // hsize_t is unsigned long long, std::uint64_t unsigned long: same size, distinct types.
    const std::vector<hsize_t> first(start.begin(), start.end());
    const std::vector<hsize_t> extent(count.begin(), count.end());
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, first.data(), nullptr, extent.data(), nullptr),
          ds.file_name(), what);
    handle memory_space = checked(H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr),
                                  kind::dataspace, ds.file_name(), what);
    return {std::move(file_space), std::move(memory_space)};
}

void detail::read_block_raw(const dataset& ds, element_type type, std::span<const std::uint64_t> start,
                            std::span<const std::uint64_t> count, void* out) {
    silence_error_printing();
    const std::string what = fmt::format("read dataset '{}'", ds.path());
    for (const std::uint64_t c : count)
        if (c == 0) return;
    const block_selection sel = select_block(ds, start, count, what);
    check(H5Dread(ds.id(), memory_type(type), sel.memory_space.get(), sel.file_space.get(), H5P_DEFAULT, out),
          ds.file_name(), what);
}

dataset detail::create_shaped_dataset_raw(const group& parent, std::string_view name, element_type type,
                                          std::span<const std::uint64_t> shape) {
    silence_error_printing();
    const std::string what = fmt::format("create dataset '{}'", join(parent.path(), name));
    const std::vector<hsize_t> dims(shape.begin(), shape.end());
    const handle space = checked(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                                 kind::dataspace, parent.file_name(), what);
    // Contiguous storage, as simulators write their own outputs (BrainGrid's matrix is contiguous).
    return create_dataset(parent, name, file_type(type), space.get(), H5P_DEFAULT, what);
}

void detail::write_block_raw(const dataset& ds, element_type type, std::span<const std::uint64_t> start,
                             std::span<const std::uint64_t> count, const void* data) {
    silence_error_printing();
    const std::string what = fmt::format("write dataset '{}'", ds.path());
    for (const std::uint64_t c : count)
        if (c == 0) return;
    const block_selection sel = select_block(ds, start, count, what);
    check(H5Dwrite(ds.id(), memory_type(type), sel.memory_space.get(), sel.file_space.get(), H5P_DEFAULT, data),
          ds.file_name(), what);
}

}  // namespace sf::io::h5
