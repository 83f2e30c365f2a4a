import { genFileId, type UploadFile, type UploadInstance, type UploadRawFile } from 'element-plus';
import { ref } from 'vue';

/**
 * An el-upload that holds one file for a later upload: picking another file replaces it.
 * `onPicked` runs whenever the chosen file changes (pages clear an old result there).
 */
export function useSingleFile(onPicked: () => void) {
  const uploadRef = ref<UploadInstance>();
  const file = ref<File | null>(null);

  function onChange(upload: UploadFile): void {
    file.value = upload.raw ?? null;
    onPicked();
  }

  function onExceed(files: File[]): void {
    uploadRef.value?.clearFiles();
    const next = files[0] as UploadRawFile | undefined;
    if (!next) return;
    next.uid = genFileId();
    uploadRef.value?.handleStart(next);
  }

  function onRemove(): void {
    file.value = null;
    onPicked();
  }

  return { uploadRef, file, onChange, onExceed, onRemove };
}
