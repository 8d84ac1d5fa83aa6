package daemon

import (
	"strings"
	"testing"
)

func TestCheckListenAddresses(t *testing.T) {
	tests := []struct {
		addrs []string
		err   string // substring; "" = valid
	}{
		{nil, ""},
		{[]string{":8097", "127.0.0.1:0", "[::1]:8097", "vsock://:8097"}, ""},
		// a bare port is the classic mistake
		{[]string{"8097"}, `--web.listen-address "8097": want HOST:PORT or vsock://:PORT`},
		{[]string{"vsock://:port"}, `--web.listen-address "vsock://:port"`},
		{[]string{"vsock://nohostport"}, `--web.listen-address "vsock://nohostport"`},
	}
	for _, tt := range tests {
		err := checkListenAddresses(tt.addrs)
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("checkListenAddresses(%q) = %v, want %q", tt.addrs, err, tt.err)
		}
	}
	if p, err := vsockPort("vsock://:9100"); p != 9100 || err != nil {
		t.Errorf("vsockPort = %d, %v", p, err)
	}
}
