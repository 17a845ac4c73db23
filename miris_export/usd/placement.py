"""Files written straight into the export's folder under temporary names, renamed into place once the
whole export is done, or removed: an export that fails or is cancelled leaves the folder as it was,
without a staging folder to make and remove (on some file systems removing a folder costs more than
writing a texture)."""
import os
import secrets


class Placement:
    def __init__(self, folder):
        self.folder = folder  # the export's folder
        self._pending = []  # (temporary path, final path), in the order written
        self._made = []  # folders made for them, innermost last
        self._there = set()  # folders known to be there
        # One token for the export's temporary names (its file names are unique already): another
        # export writing into the same folder at once has its own.
        self._token = secrets.token_hex(4)

    def temporary(self, path):
        """A temporary name beside `path` (its folder made if need be) that `place` renames to `path`."""
        folder, name = os.path.split(path)
        if folder not in self._there:
            if not os.path.isdir(folder):
                os.makedirs(folder)
                self._made.append(folder)
            self._there.add(folder)
        temp = os.path.join(folder, f".{name}.{self._token}.part")
        self._pending.append((temp, path))
        return temp

    def forget(self, temp):
        """`temp` was not written after all (its writer failed and removed it)."""
        self._pending = [pair for pair in self._pending if pair[0] != temp]

    def place(self):
        for temp, path in self._pending:
            os.replace(temp, path)
        self._pending, self._made, self._there = [], [], set()

    def discard(self):
        for temp, _ in self._pending:
            if os.path.exists(temp):
                os.unlink(temp)
        for folder in reversed(self._made):
            if not os.listdir(folder):
                os.rmdir(folder)
        self._pending, self._made, self._there = [], [], set()
