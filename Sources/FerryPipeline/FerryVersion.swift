/// ferry's version, shown by `ferry --version`, in `ferry status --json` and in the metrics file.
public enum FerryVersion {
    /// Semantic version of this source tree; bump it when a release is tagged.
    public static let current = "0.16.0"
}
