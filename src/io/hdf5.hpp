// Small RAII wrappers over the HDF5 C API, used by the io writers and readers.
//
// Only io .cpp files include <hdf5.h>: this header shows HDF5 identifiers as plain int64_t
// (HDF5's hid_t since 1.10, checked in hdf5.cpp), so modules that include io headers do not
// inherit HDF5's include paths. Every failure becomes sf::core::io_error with one line that
// names the file, the object path inside it and HDF5's own most specific reason, e.g.
//
//     out/spikes.h5.tmp: cannot create group '/spikes/exc' (name already exists)
//
// HDF5 would otherwise print its whole error stack to stderr; that printing is switched off
// (per thread, because Debian's HDF5 is built thread-safe and keeps the setting per thread)
// before any wrapper calls into HDF5.
//
// Numbers are stored little-endian (SONATA's H5T_STD_*LE / H5T_IEEE_*LE), strings as
// variable-length UTF-8 (h5py reads them as `str`; no 64 KiB attribute limit for long texts).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sf::io::h5 {

using hid = std::int64_t;  // HDF5's hid_t

// Switches HDF5's automatic error-stack printing off for the calling thread. The wrappers call
// it themselves; call it before using the raw C API on a new thread.
void silence_error_printing();

// The element types the helpers store.
enum class element_type { i8, u8, i32, u32, i64, u64, f32, f64 };

template <class T>
struct element_type_of;
template <>
struct element_type_of<std::int8_t> {
    static constexpr element_type value = element_type::i8;
};
template <>
struct element_type_of<std::uint8_t> {
    static constexpr element_type value = element_type::u8;
};
template <>
struct element_type_of<std::int32_t> {
    static constexpr element_type value = element_type::i32;
};
template <>
struct element_type_of<std::uint32_t> {
    static constexpr element_type value = element_type::u32;
};
template <>
struct element_type_of<std::int64_t> {
    static constexpr element_type value = element_type::i64;
};
template <>
struct element_type_of<std::uint64_t> {
    static constexpr element_type value = element_type::u64;
};
template <>
struct element_type_of<float> {
    static constexpr element_type value = element_type::f32;
};
template <>
struct element_type_of<double> {
    static constexpr element_type value = element_type::f64;
};

template <class T>
concept element = requires {
    element_type_of<T>::value;
};

// Owns one HDF5 identifier and closes it with the close function of its kind.
class handle {
public:
    enum class kind { file, group, dataset, dataspace, datatype, attribute, property_list };

    handle() noexcept = default;
    handle(hid id, kind k) noexcept : id_(id), kind_(k) {}
    handle(handle&& other) noexcept;
    handle& operator=(handle&& other) noexcept;
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;
    ~handle();

    hid get() const noexcept { return id_; }
    explicit operator bool() const noexcept { return id_ >= 0; }
    // Closes now; returns false if HDF5 reported a failure (a destructor cannot report it). A
    // file that fails to close stays owned, so the destructor tries again.
    bool close() noexcept;

private:
    hid id_ = -1;
    kind kind_ = kind::file;
};

// A group or dataset, with the names that error messages need.
class object {
public:
    object() = default;
    object(handle h, std::string file_name, std::string path)
        : handle_(std::move(h)), file_name_(std::move(file_name)), path_(std::move(path)) {}

    hid id() const noexcept { return handle_.get(); }
    const std::string& file_name() const noexcept { return file_name_; }
    const std::string& path() const noexcept { return path_; }  // inside the file, e.g. "/spikes/exc"
    void close() noexcept { handle_.close(); }

private:
    handle handle_;
    std::string file_name_;
    std::string path_;
};

class dataset : public object {
public:
    using object::object;
    std::vector<std::uint64_t> shape() const;
};

class group : public object {
public:
    using object::object;
    // `name` is relative and may contain '/': missing intermediate groups are created.
    group create_group(std::string_view name) const;
    group open_group(std::string_view name) const;
    dataset open_dataset(std::string_view name) const;
    bool contains(std::string_view name) const;
};

class file {
public:
    file() = default;
    // Creates (truncates) `path`. Closing fails while groups or datasets are still open, so a
    // leaked handle shows up as an error instead of an incompletely flushed file.
    static file create(const std::filesystem::path& path);
    static file open_read_only(const std::filesystem::path& path);

    group root() const;
    // Flushes and closes; throws io_error if HDF5 cannot (e.g. disk full, objects left open).
    void close();
    bool is_open() const noexcept { return static_cast<bool>(handle_); }
    const std::string& name() const noexcept { return name_; }
    hid id() const noexcept { return handle_.get(); }

private:
    file(handle h, std::string name) : handle_(std::move(h)), name_(std::move(name)) {}
    handle handle_;
    std::string name_;
};

namespace detail {
void write_attribute_raw(const object& target, std::string_view name, element_type type, const void* data,
                         std::size_t count, bool scalar);
dataset write_dataset_raw(const group& parent, std::string_view name, element_type type, const void* data,
                          std::uint64_t count);
std::uint64_t vector_length(const dataset& ds);  // throws unless 1-D
void read_raw(const dataset& ds, element_type type, void* out);
}  // namespace detail

// ---- attributes (an existing attribute of the same name is replaced) ----

// A scalar UTF-8 string.
void write_attribute(const object& target, std::string_view name, std::string_view value);
// A 1-D array of UTF-8 strings (e.g. NWB's `colnames`).
void write_string_array_attribute(const object& target, std::string_view name, std::span<const std::string> values);

template <element T>
void write_scalar_attribute(const object& target, std::string_view name, T value) {
    detail::write_attribute_raw(target, name, element_type_of<T>::value, &value, 1, true);
}

template <element T>
void write_array_attribute(const object& target, std::string_view name, std::span<const T> values) {
    detail::write_attribute_raw(target, name, element_type_of<T>::value, values.data(), values.size(), false);
}

// A scalar HDF5 enum over int8 with the given members (e.g. SONATA's `sorting`).
struct enum_member {
    std::string name;
    std::int8_t value;
};
void write_enum_attribute(const object& target, std::string_view name, std::span<const enum_member> members,
                          std::string_view value);

// A scalar object reference to `referenced` (e.g. NWB's VectorIndex `target`).
void write_reference_attribute(const object& target, std::string_view name, const object& referenced);

// Reads a scalar string attribute (variable- or fixed-length).
std::string read_string_attribute(const object& target, std::string_view name);

// ---- datasets ----

// A contiguous 1-D dataset holding `values`.
template <element T>
dataset write_dataset(const group& parent, std::string_view name, std::span<const T> values) {
    return detail::write_dataset_raw(parent, name, element_type_of<T>::value, values.data(), values.size());
}

// A scalar UTF-8 string dataset (e.g. NWB's `/identifier`).
dataset write_string_dataset(const group& parent, std::string_view name, std::string_view value);
// A 1-D dataset of UTF-8 strings (e.g. NWB's `/file_create_date`).
dataset write_string_array_dataset(const group& parent, std::string_view name, std::span<const std::string> values);
// The same from NUL-terminated strings (no copies, e.g. one population name repeated per unit).
dataset write_string_array_dataset(const group& parent, std::string_view name, std::span<const char* const> values);

// Reads a whole 1-D dataset, converting to T; throws io_error if it is not 1-D.
template <element T>
std::vector<T> read_vector(const group& parent, std::string_view name) {
    const dataset ds = parent.open_dataset(name);
    std::vector<T> out(detail::vector_length(ds));
    detail::read_raw(ds, element_type_of<T>::value, out.data());
    return out;
}

// Elements per chunk of the appendable datasets: 16384 x 8 bytes = 128 KiB, small enough that a
// short run's file stays small (a chunk is stored whole) and large enough for streaming writes.
inline constexpr std::uint64_t default_chunk_elements = 16384;

// A chunked dataset whose first dimension grows as rows are appended: 1-D (rank 1, rows are
// single elements) or 2-D (rank 2, rows of `columns` elements). Type-erased core of
// appendable_vector / appendable_matrix.
class extendible_dataset {
public:
    extendible_dataset() = default;
    // deflate_level 1..9 compresses each chunk (with HDF5's byte shuffle first); 0 stores raw.
    extendible_dataset(const group& parent, std::string_view name, element_type type, int rank, std::uint64_t columns,
                       std::uint64_t chunk_elements, int deflate_level = 0);
    // `data` holds n_rows * columns elements of this dataset's element type.
    void append_rows(const void* data, std::uint64_t n_rows);
    std::uint64_t rows() const noexcept { return rows_; }
    std::uint64_t columns() const noexcept { return columns_; }
    const dataset& get() const noexcept { return ds_; }
    void close() noexcept { ds_.close(); }

private:
    dataset ds_;
    element_type type_ = element_type::f64;
    int rank_ = 1;
    std::uint64_t columns_ = 1;
    std::uint64_t rows_ = 0;
};

// A 1-D chunked dataset you append to.
template <element T>
class appendable_vector {
public:
    appendable_vector() = default;
    appendable_vector(const group& parent, std::string_view name, std::uint64_t chunk_elements = default_chunk_elements,
                      int deflate_level = 0)
        : impl_(parent, name, element_type_of<T>::value, 1, 1, chunk_elements, deflate_level) {}
    void append(std::span<const T> values) { impl_.append_rows(values.data(), values.size()); }
    std::uint64_t size() const noexcept { return impl_.rows(); }
    const dataset& get() const noexcept { return impl_.get(); }
    void close() noexcept { impl_.close(); }

private:
    extendible_dataset impl_;
};

// A 2-D chunked dataset (n_rows x columns, row-major) you append rows to.
template <element T>
class appendable_matrix {
public:
    appendable_matrix() = default;
    appendable_matrix(const group& parent, std::string_view name, std::uint64_t columns,
                      std::uint64_t chunk_elements = default_chunk_elements, int deflate_level = 0)
        : impl_(parent, name, element_type_of<T>::value, 2, columns, chunk_elements, deflate_level) {}
    // `values` holds n_rows * columns() elements; throws std::invalid_argument otherwise.
    void append_rows(std::span<const T> values, std::uint64_t n_rows);
    std::uint64_t rows() const noexcept { return impl_.rows(); }
    std::uint64_t columns() const noexcept { return impl_.columns(); }
    const dataset& get() const noexcept { return impl_.get(); }
    void close() noexcept { impl_.close(); }

private:
    extendible_dataset impl_;
};

namespace detail {
void check_matrix_rows(std::size_t n_values, std::uint64_t n_rows, std::uint64_t columns);
}

template <element T>
void appendable_matrix<T>::append_rows(std::span<const T> values, std::uint64_t n_rows) {
    detail::check_matrix_rows(values.size(), n_rows, impl_.columns());
    impl_.append_rows(values.data(), n_rows);
}

// ---- reading helpers (the spike readers) ----

// What a dataset stores, so that readers can reject a wrong dtype instead of letting HDF5
// convert it silently (e.g. float times read as integers).
enum class stored_class { integer, floating, string, enumeration, other };
struct stored_type {
    stored_class type_class = stored_class::other;
    bool is_signed = false;
    std::size_t size = 0;  // [bytes] per element
    bool little_endian = true;  // integers: byte order in the file
};
stored_type type_of(const dataset& ds);
// "uint16", "float64", "string", ... as numpy would name it, for error messages.
std::string type_name(const stored_type& type);

// The chunk dimensions of a chunked dataset; empty for a contiguous (or compact) one.
std::vector<std::uint64_t> chunk_shape(const dataset& ds);

// The byte offset of a dataset's elements in its file when they are stored plainly there
// (contiguous layout, no filters, no external files, allocated): then the file can be mapped
// and read without HDF5. nullopt otherwise.
std::optional<std::uint64_t> plain_storage_offset(const dataset& ds);

bool has_attribute(const object& target, std::string_view name);
// An attribute as text: a string's value, an enum's member name, an integer in decimal, a float
// as the shortest text that reads back exactly.
// Throws core::input_error for other kinds (e.g. a float or an array of several values).
std::string read_attribute_text(const object& target, std::string_view name);

// A 1-D dataset of strings (variable- or fixed-length). Throws core::input_error otherwise.
std::vector<std::string> read_string_vector(const dataset& ds);

// The names of a group's members in name order (h5py's order).
std::vector<std::string> member_names(const group& g);
// True if `name` is a member of `g` and a group (false for datasets and missing names).
bool is_group_member(const group& g, std::string_view name);

// True if the file starts with HDF5's signature (at offset 0 or a user-block offset 512,
// 1024, 2048, ...). Cheap: reads a few bytes, never opens the file with HDF5.
bool has_hdf5_signature(const std::filesystem::path& path);

namespace detail {
// Reads the block [start, start + count) (per dimension) of a dataset into `out`, converting to
// `type`; start and count have the dataset's rank.
void read_block_raw(const dataset& ds, element_type type, std::span<const std::uint64_t> start,
                    std::span<const std::uint64_t> count, void* out);
}  // namespace detail

namespace detail {
dataset create_shaped_dataset_raw(const group& parent, std::string_view name, element_type type,
                                  std::span<const std::uint64_t> shape);
void write_block_raw(const dataset& ds, element_type type, std::span<const std::uint64_t> start,
                     std::span<const std::uint64_t> count, const void* data);
}  // namespace detail

// A contiguous dataset of any rank and fixed shape, filled later block by block with
// write_block (e.g. a matrix written one band of columns at a time); write every element.
template <element T>
dataset create_shaped_dataset(const group& parent, std::string_view name, std::span<const std::uint64_t> shape) {
    return detail::create_shaped_dataset_raw(parent, name, element_type_of<T>::value, shape);
}

// Writes the block [start, start + count) (per dimension, the dataset's rank) from `values`
// (row-major, product(count) elements; throws std::invalid_argument otherwise).
template <element T>
void write_block(const dataset& ds, std::span<const std::uint64_t> start, std::span<const std::uint64_t> count,
                 std::span<const T> values) {
    std::uint64_t n = 1;
    for (const std::uint64_t c : count) n *= c;
    if (n != values.size()) detail::check_matrix_rows(values.size(), n, 1);
    detail::write_block_raw(ds, element_type_of<T>::value, start, count, values.data());
}

// Elements [offset, offset + out.size()) of a 1-D dataset, converted to T.
template <element T>
void read_slice(const dataset& ds, std::uint64_t offset, std::span<T> out) {
    const std::uint64_t start[1] = {offset};
    const std::uint64_t count[1] = {out.size()};
    detail::read_block_raw(ds, element_type_of<T>::value, start, count, out.data());
}

// Rows [first_row, first_row + n_rows) of a 2-D dataset of `columns` columns, row-major into
// `out` (n_rows * columns elements), converted to T.
template <element T>
void read_rows(const dataset& ds, std::uint64_t first_row, std::uint64_t n_rows, std::uint64_t columns,
               std::span<T> out) {
    detail::check_matrix_rows(out.size(), n_rows, columns);
    const std::uint64_t start[2] = {first_row, 0};
    const std::uint64_t count[2] = {n_rows, columns};
    detail::read_block_raw(ds, element_type_of<T>::value, start, count, out.data());
}

}  // namespace sf::io::h5
