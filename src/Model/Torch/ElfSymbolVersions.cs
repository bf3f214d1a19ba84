using System.Buffers.Binary;
using System.Text;

namespace HFedMoE.Model.Torch;

/// <summary>
/// The symbol-version tables of an ELF64 little-endian shared object: the versions it needs from
/// other libraries (<c>.gnu.version_r</c>) and the versions it defines (<c>.gnu.version_d</c>).
/// Just enough ELF to decide whether a library loads against this machine's libstdc++ and to
/// mark one needed version weak; malformed input is an <see cref="InvalidDataException"/> naming
/// the file.
/// </summary>
internal sealed class ElfSymbolVersions
{
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>vna_flags bit: a missing version is a warning for the dynamic loader, not an error.</summary>
    internal const ushort VerFlagWeak = 0x2;

    private ElfSymbolVersions(IReadOnlyList<NeededVersion> needed, IReadOnlyList<string> defined)
    {
        Needed = needed;
        Defined = defined;
    }

    /// <summary>One vernaux entry: the library, the version, its flags and where the flags sit in the file.</summary>
    internal sealed record NeededVersion(string Library, string Version, ushort Flags, long FlagsOffset)
    {
        public bool IsWeak => (Flags & VerFlagWeak) != 0;
    }

    public IReadOnlyList<NeededVersion> Needed { get; }

    public IReadOnlyList<string> Defined { get; }

    public static ElfSymbolVersions Read(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        try
        {
            return Parse(file, path);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException($"{path}: truncated ELF file ({e.Message})", e);
        }
    }

    private static ElfSymbolVersions Parse(byte[] file, string path)
    {
        if (file.Length < 64 || file[0] != 0x7f || file[1] != (byte)'E' || file[2] != (byte)'L' || file[3] != (byte)'F')
        {
            throw new InvalidDataException($"{path} is not an ELF file (no \\x7fELF magic)");
        }
        if (file[4] != 2 || file[5] != 1)
        {
            throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file (class {file[4]}, data {file[5]}); expected ELF64 LSB");
        }
        var span = file.AsSpan();
        long shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);
        if (shentsize < 64 || shoff <= 0 || shoff + (long)shnum * shentsize > file.Length)
        {
            throw new InvalidDataException($"{path}: section header table (offset {shoff}, {shnum} × {shentsize} bytes) lies outside the file ({file.Length} bytes)");
        }
        var sections = new (uint Type, long Offset, long Size, int Link, int Info)[shnum];
        for (int i = 0; i < shnum; i++)
        {
            var h = span.Slice((int)(shoff + (long)i * shentsize), shentsize);
            sections[i] = (
                BinaryPrimitives.ReadUInt32LittleEndian(h[4..]),
                (long)BinaryPrimitives.ReadUInt64LittleEndian(h[0x18..]),
                (long)BinaryPrimitives.ReadUInt64LittleEndian(h[0x20..]),
                (int)BinaryPrimitives.ReadUInt32LittleEndian(h[0x28..]),
                (int)BinaryPrimitives.ReadUInt32LittleEndian(h[0x2C..]));
        }
        var needed = new List<NeededVersion>();
        var defined = new List<string>();
        foreach (var s in sections)
        {
            if (s.Type != ShtGnuVerneed && s.Type != ShtGnuVerdef)
            {
                continue;
            }
            if ((uint)s.Link >= (uint)shnum)
            {
                throw new InvalidDataException($"{path}: version section links to string table {s.Link}; the file has {shnum} sections");
            }
            long strings = sections[s.Link].Offset;
            long entry = s.Offset;
            for (int n = 0; n < s.Info; n++)
            {
                if (s.Type == ShtGnuVerneed)
                {
                    // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
                    int count = BinaryPrimitives.ReadUInt16LittleEndian(span[(int)(entry + 2)..]);
                    string library = CString(span, strings + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(entry + 4)..]));
                    long aux = entry + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(entry + 8)..]);
                    for (int a = 0; a < count; a++)
                    {
                        // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
                        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(span[(int)(aux + 4)..]);
                        string version = CString(span, strings + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 8)..]));
                        needed.Add(new NeededVersion(library, version, flags, aux + 4));
                        aux += BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 12)..]);
                    }
                    entry += BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(entry + 12)..]);
                }
                else
                {
                    // Elf64_Verdef: vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32, vd_aux u32, vd_next u32;
                    // the first Verdaux (vda_name u32) names the version.
                    long aux = entry + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(entry + 12)..]);
                    defined.Add(CString(span, strings + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)aux..])));
                    entry += BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(entry + 16)..]);
                }
            }
        }
        return new ElfSymbolVersions(needed, defined);
    }

    private static string CString(ReadOnlySpan<byte> file, long offset)
    {
        var rest = file[(int)offset..];
        int end = rest.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? rest : rest[..end]);
    }
}
