package alipaysandbox

import (
	"encoding/base64"
	"encoding/pem"
	"strings"
)

// KeyBase64 answers the base64 body of the first PEM block of pemText, on one line, without its BEGIN/END
// lines: the form Alipay's key tool prints and the open platform's console shows. go-pay/gopay wants keys in
// this form: NewClient (private key) and VerifySign / VerifySyncSign (Alipay public key) wrap what they are
// given in PEM lines themselves (github.com/go-pay/crypto xrsa.FormatAlipayPrivateKey, FormatAlipayPublicKey),
// which a PKCS#1 PEM private key and a PEM public key do not survive. Text that is not PEM is answered with
// its whitespace removed.
//
//	client, err := alipay.NewClient(sb.AppID, alipaysandbox.KeyBase64(sb.AppPrivateKeyPKCS1), false)
func KeyBase64(pemText string) string {
	if block, _ := pem.Decode([]byte(pemText)); block != nil {
		return base64.StdEncoding.EncodeToString(block.Bytes)
	}
	return strings.Join(strings.Fields(pemText), "")
}
