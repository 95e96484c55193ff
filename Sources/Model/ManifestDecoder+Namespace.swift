extension ManifestDecoder {
    static func decodeNamespace(_ object: MappingCursor) throws(ManifestError) -> Namespace {
        var metadata = try decodeMetadata(object, nameRule: .dns1123Label, namespaced: false)
        // The API server sets this label on every namespace, overriding any other value.
        metadata.labels[Namespace.nameLabel] = metadata.name
        return Namespace(metadata: metadata)
    }
}
